/**
 * Builds the local cluster's binaries once, from the Go module proxy only, into a cache outside
 * the repository keyed by every version (${XDG_CACHE_HOME:-~/.cache}/k8s-platform-cluster/<key>/bin):
 * - kube-apiserver and kubectl from k8s.io/kubernetes, through a wrapper module whose `replace`
 *   lines pin the published k8s.io/* staging modules of the same release (the kubernetes module
 *   itself replaces them with ./staging/..., which a dependent module cannot use);
 * - etcd from go.etcd.io/etcd/server/v3 (etcdmain.Main is what the etcd binary runs);
 * - the dataplane, kube-network-policies (sigs.k8s.io/kube-network-policies/cmd), SIG Network's
 *   reference NetworkPolicy implementation, and kube-router (its network policy controller), the
 *   dataplane on a kernel without nftables' queue statement;
 * - the Gateway API standard CRDs (config/crd/standard of the sigs.k8s.io/gateway-api module).
 * Calico's felix at the stacks' version is asked of the proxy too; it serves none here, and the
 * build says so in one line (felixBlocked) instead of building it from anywhere else.
 * A binary already in the cache is reused; a build writes to a temporary folder first, so a killed
 * build leaves nothing that looks finished.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VERSIONS, versionsKey } from "../live/local/plan";
import { ClusterError, attempt, run } from "./host";

export const CACHE_ROOT = path.join(process.env["XDG_CACHE_HOME"] ?? path.join(os.homedir(), ".cache"), "k8s-platform-cluster");

export interface Binaries {
    readonly dir: string;
    readonly kubeApiserver: string;
    readonly kubectl: string;
    readonly etcd: string;
    /** kube-network-policies. */
    readonly dataplane: string;
    readonly kubeRouter: string;
    readonly gatewayCrds: string;
}

export function goVersion(): string {
    const r = attempt("go", ["env", "GOVERSION"]);
    if (r.code !== 0)
        throw new ClusterError("the Go toolchain is missing (go not on PATH): install Go 1.25 or later (https://go.dev/dl/) and run again");
    return r.stdout.trim();
}

export function binaries(): Binaries {
    const dir = path.join(CACHE_ROOT, versionsKey(goVersion()), "bin");
    return {
        dir,
        kubeApiserver: path.join(dir, "kube-apiserver"),
        kubectl: path.join(dir, "kubectl"),
        etcd: path.join(dir, "etcd"),
        dataplane: path.join(dir, "kube-network-policies"),
        kubeRouter: path.join(dir, "kube-router"),
        gatewayCrds: path.join(dir, "gateway-api-standard-crds.yaml"),
    };
}

export function isBuilt(b: Binaries): boolean {
    return [b.kubeApiserver, b.kubectl, b.etcd, b.dataplane, b.kubeRouter, b.gatewayCrds].every((f) => fs.existsSync(f));
}

const GO_ENV = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" };

/** The version the Kubernetes binaries report (their build sets it the same way: hack/lib/version.sh). */
function kubeVersionFlags(): string[] {
    const [major, minor] = VERSIONS.kubernetes.split(".");
    const set = (pkg: string) => [
        `-X ${pkg}.gitVersion=v${VERSIONS.kubernetes}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
    ];
    return [
        "-ldflags",
        [
            ...set("k8s.io/component-base/version"),
            ...set("k8s.io/client-go/pkg/version"),
            "-X k8s.io/component-base/version.gitTreeState=clean",
        ].join(" "),
    ];
}

function goBuild(cwd: string, out: string, packages: readonly string[], log: (line: string) => void, flags: readonly string[] = []): void {
    const started = Date.now();
    log(`building ${path.basename(out)} (${packages.join(" ")}) in ${cwd}`);
    try {
        run("go", ["mod", "tidy"], { cwd, env: GO_ENV });
        const tmp = `${out}.partial`;
        fs.mkdirSync(tmp, { recursive: true });
        run("go", ["build", "-trimpath", ...flags, "-o", `${tmp}/`, ...packages], { cwd, env: GO_ENV });
        for (const f of fs.readdirSync(tmp)) fs.renameSync(path.join(tmp, f), path.join(path.dirname(out), f));
        fs.rmSync(tmp, { recursive: true, force: true });
    } catch (e) {
        throw new ClusterError(
            `the build of ${path.basename(out)} failed (${(e as Error).message}); the Go module proxy must be reachable (GOPROXY)`,
        );
    }
    log(`built ${path.basename(out)} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function kubeWrapper(src: string): void {
    fs.mkdirSync(src, { recursive: true });
    const info = JSON.parse(run("go", ["mod", "download", "-json", `k8s.io/kubernetes@v${VERSIONS.kubernetes}`], { env: GO_ENV })) as {
        GoMod: string;
    };
    const staging = [...fs.readFileSync(info.GoMod, "utf8").matchAll(/^\t(k8s\.io\/[a-z-]+) => \.\/staging\//gm)].map((m) => m[1]!);
    const minor = VERSIONS.kubernetes.replace(/^1\./, "0.");
    fs.writeFileSync(
        path.join(src, "go.mod"),
        [
            "module localcluster/kube",
            "",
            "go 1.25.0",
            "",
            `require k8s.io/kubernetes v${VERSIONS.kubernetes}`,
            "",
            "replace (",
            ...staging.map((m) => `\t${m} => ${m} v${minor}`),
            ")",
            "",
        ].join("\n"),
    );
    fs.writeFileSync(
        path.join(src, "tools.go"),
        '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n',
    );
}

function etcdWrapper(src: string): void {
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(
        path.join(src, "go.mod"),
        `module localcluster/etcd\n\ngo 1.25.0\n\nrequire go.etcd.io/etcd/server/v3 v${VERSIONS.etcd}\n`,
    );
    fs.writeFileSync(
        path.join(src, "main.go"),
        '// etcd\'s server from its Go module: etcdmain.Main is what the etcd binary runs.\npackage main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n',
    );
}

function toolWrapper(src: string, module: string, version: string, pkg: string): void {
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, "go.mod"), `module localcluster/tool\n\ngo 1.25.0\n\nrequire ${module} ${version}\n`);
    fs.writeFileSync(path.join(src, "tools.go"), `//go:build tools\n\npackage tools\n\nimport _ "${pkg}"\n`);
}

function knpWrapper(src: string): void {
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(
        path.join(src, "go.mod"),
        `module localcluster/knp\n\ngo 1.25.0\n\nrequire sigs.k8s.io/kube-network-policies ${VERSIONS.kubeNetworkPolicies}\n`,
    );
    fs.writeFileSync(path.join(src, "tools.go"), '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kube-network-policies/cmd"\n');
}

/**
 * Why felix at the stacks' Calico version cannot be built here, in one line, or undefined when the
 * Go proxy serves the module at that version. Calico's module path has no /v3 suffix, so its
 * release is reachable only as a pseudo-version of the release commit; the proxy is asked for the
 * release by name and answers what it has.
 */
export function felixBlocked(): string | undefined {
    const command = ["go", "list", "-m", "-json", `github.com/projectcalico/calico@${VERSIONS.calico}`];
    const r = attempt(command[0]!, command.slice(1));
    if (r.code === 0) return undefined;
    return `felix (Calico ${VERSIONS.calico}) is not built: \`${command.join(" ")}\` answered: ${r.stderr.trim().split("\n").slice(-1)[0] ?? ""}`;
}

function gatewayCrds(out: string): void {
    const info = JSON.parse(run("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${VERSIONS.gatewayApi}`], { env: GO_ENV })) as {
        Dir: string;
    };
    const dir = path.join(info.Dir, "config", "crd", "standard");
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && !f.startsWith("kustomization"))
        .sort();
    fs.writeFileSync(out, files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n---\n"));
}

/** Builds whatever is missing; returns the binaries and how long it took. */
export function build(log: (line: string) => void): { binaries: Binaries; seconds: number } {
    const started = Date.now();
    const b = binaries();
    fs.mkdirSync(b.dir, { recursive: true });
    const src = path.join(CACHE_ROOT, "src");
    if (!fs.existsSync(b.kubeApiserver) || !fs.existsSync(b.kubectl)) {
        kubeWrapper(path.join(src, `kube-${VERSIONS.kubernetes}`));
        goBuild(
            path.join(src, `kube-${VERSIONS.kubernetes}`),
            b.kubeApiserver,
            ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kubectl"],
            log,
            kubeVersionFlags(),
        );
    }
    if (!fs.existsSync(b.etcd)) {
        etcdWrapper(path.join(src, `etcd-${VERSIONS.etcd}`));
        goBuild(path.join(src, `etcd-${VERSIONS.etcd}`), b.etcd, ["."], log);
    }
    if (!fs.existsSync(b.dataplane)) {
        const knp = path.join(src, `knp-${VERSIONS.kubeNetworkPolicies}`);
        knpWrapper(knp);
        goBuild(knp, b.dataplane, ["sigs.k8s.io/kube-network-policies/cmd"], log);
        fs.renameSync(path.join(b.dir, "cmd"), b.dataplane);
    }
    if (!fs.existsSync(b.kubeRouter)) {
        const kr = path.join(src, `kube-router-${VERSIONS.kubeRouter}`);
        toolWrapper(
            kr,
            "github.com/cloudnativelabs/kube-router/v2",
            VERSIONS.kubeRouter,
            "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router",
        );
        goBuild(kr, b.kubeRouter, ["github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"], log);
    }
    if (!fs.existsSync(b.gatewayCrds)) gatewayCrds(b.gatewayCrds);
    return { binaries: b, seconds: Math.round((Date.now() - started) / 1000) };
}
