/**
 * Offline stand-ins for other stacks' outputs: a StackReference to `organization/<project>/<stack>`
 * reads what this commit's `Pulumi.<stack>.yaml` would deploy. Lets the offline plan and the tests
 * run the promotion gate without a backend. A broken earlier stack file is refused by name, saying
 * which stack's gate read it.
 */
import * as fs from "fs";
import * as path from "path";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { KUBERNETES_VERSION_OUTPUT, PROMOTION_DIGEST_OUTPUT } from "../components/promotionGate";
import { promotionDigest } from "../compiler/digest";
import { StackFileError, readStackFile } from "./stackFile";

export function localStackOutputs(projectDir: string, config: Readonly<Record<string, string>>): Record<string, Record<string, unknown>> {
    const parsed = parseStackConfig(projectConfigValues(config));
    const after = parsed.ok ? parsed.config.promotion?.after : undefined;
    if (!after) return {};
    const stack = after.split("/")[2]!;
    const file = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(projectDir, file))) return {};
    const context = `read for the promotion gate (k8s-platform:promotion.after: ${after})`;
    let earlierConfig;
    try {
        earlierConfig = readStackFile(projectDir, stack).config;
    } catch (e) {
        if (e instanceof StackFileError) throw new StackFileError(`${e.message}\n(${file} was ${context})`);
        throw e;
    }
    const earlier = parseStackConfig(projectConfigValues(earlierConfig));
    if (!earlier.ok) {
        throw new StackFileError(
            `${file}, ${context}, is invalid (npm run plan -- ${stack} shows where):\n${earlier.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    }
    return {
        [after]: {
            [PROMOTION_DIGEST_OUTPUT]: promotionDigest(earlier.config.network),
            [KUBERNETES_VERSION_OUTPUT]: earlier.config.cluster.kubernetesVersion,
        },
    };
}
