/**
 * Running things on this machine for the local cluster: a command that must succeed (its stderr
 * becomes the error), a command whose failure is an answer, and waiting on a condition with a
 * deadline (never a fixed sleep).
 */
import { spawn, spawnSync } from "child_process";

/** A failure with one line that says what is wrong and what to do. */
export class ClusterError extends Error {}

export function run(
    command: string,
    args: readonly string[],
    options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): string {
    const r = spawnSync(command, args, {
        input: options.input,
        env: options.env ?? process.env,
        cwd: options.cwd,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) {
        const e = r.error as NodeJS.ErrnoException;
        throw new ClusterError(e.code === "ENOENT" ? `${command} is not installed (not on PATH)` : `${command}: ${e.message}`);
    }
    if (r.status !== 0)
        throw new ClusterError(`${command} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
    return r.stdout;
}

/** Runs a command; its exit code and output, whatever they are. */
export function attempt(command: string, args: readonly string[], input?: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(command, args, { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

/** The same, without blocking the event loop (probes run in parallel). */
export function attemptAsync(
    command: string,
    args: readonly string[],
    timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", (e) => (stderr += e.message));
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr });
        });
    });
}

/** Polls `ready` every `everyMs` until it holds or `timeoutMs` passes; then fails with `what`. */
export async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean> | boolean, everyMs = 250): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await ready()) return;
        if (Date.now() > deadline) throw new ClusterError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}
