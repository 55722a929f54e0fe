/**
 * `npm run cluster -- build | up | down | status`: the local cluster (docs/local-cluster.md).
 * build: the binaries, once, into the cache (keyed by versions); up: builds if needed, then starts
 * etcd, kube-apiserver and the dataplane and waits for each to be ready; down: removes everything a run
 * created and checks nothing is left; status: what runs.
 * Exit codes: 0 done, 1 a failure (one line: what and the fix), 2 a usage error.
 */
import { build } from "../localCluster/build";
import { KUBECONFIG, down, status, up } from "../localCluster/cluster";
import { ClusterError } from "../localCluster/host";

const USAGE = "usage: npm run cluster -- build | up | down | status";

export async function cluster(args: readonly string[]): Promise<number> {
    const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);
    if (process.getuid?.() !== 0) {
        process.stderr.write("cluster: the local cluster needs root (network namespaces, iptables): run it as root\n");
        return 1;
    }
    try {
        switch (args[0]) {
            case "build": {
                const { binaries, seconds } = build(log);
                log(`binaries in ${binaries.dir} (${seconds} s)`);
                return 0;
            }
            case "up": {
                const started = Date.now();
                const built = build(log);
                if (built.seconds > 1) log(`built in ${built.seconds} s`);
                const upStarted = Date.now();
                try {
                    await up(log);
                } catch (e) {
                    down(() => undefined);
                    throw e;
                }
                log(
                    `up in ${((Date.now() - upStarted) / 1000).toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(1)} s with the build check); KUBECONFIG=${KUBECONFIG}`,
                );
                return 0;
            }
            case "down":
                down(log);
                return 0;
            case "status":
                process.stdout.write(`${status().join("\n")}\n`);
                return 0;
            default:
                process.stderr.write(`${USAGE}\n`);
                return 2;
        }
    } catch (e) {
        if (e instanceof ClusterError) {
            process.stderr.write(`cluster: ${e.message}\n`);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) {
    cluster(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e: unknown) => {
            process.stderr.write(`cluster: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exitCode = 3;
        },
    );
}
