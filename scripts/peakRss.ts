/**
 * Preloaded (`node -r`) into a process the benchmark measures: reports the process's peak
 * resident set size on exit, on a line of its own on stderr.
 */
process.on("exit", () => process.stderr.write(`\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`));
