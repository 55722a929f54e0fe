/**
 * Offline stand-ins for other stacks' outputs: a StackReference to `organization/<project>/<stack>`
 * reads what this commit's `Pulumi.<stack>.yaml` would deploy. Lets the offline plan and the tests
 * run the promotion gate without a backend.
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { PROMOTION_DIGEST_OUTPUT } from "../components/promotionGate";
import { promotionDigest } from "../compiler/digest";
import { readStackFile } from "./stackFile";

export function localStackOutputs(projectDir: string, config: Readonly<Record<string, string>>): Record<string, Record<string, unknown>> {
    const parsed = parseStackConfig(projectConfigValues(config));
    const after = parsed.ok ? parsed.config.promotion?.after : undefined;
    if (!after) return {};
    const stack = after.split("/")[2]!;
    if (!fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))) return {};
    const earlier = parseStackConfig(projectConfigValues(readStackFile(projectDir, stack).config));
    return earlier.ok ? { [after]: { [PROMOTION_DIGEST_OUTPUT]: promotionDigest(earlier.config.network) } } : {};
}
