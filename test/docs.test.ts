import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./harness";

/** README.md and every docs/*.md, as paths relative to the project. */
function documents(): string[] {
    const docs = fs
        .readdirSync(path.join(PROJECT_DIR, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => path.join("docs", f));
    return ["README.md", ...docs];
}

/** Markdown outside fenced code blocks: links and headings in code are not links and headings. */
function withoutCode(text: string): string {
    let fenced = false;
    return text
        .split("\n")
        .filter((line) => {
            if (/^\s*```/.test(line)) {
                fenced = !fenced;
                return false;
            }
            return !fenced;
        })
        .join("\n");
}

/**
 * The anchors GitHub gives a file's headings: lowercase, every character but letters, digits,
 * spaces, hyphens and underscores dropped, each space a hyphen; a repeated slug gets -1, -2, ...
 * (github/cmark-gfm's anchor rules, as github-slugger implements them).
 */
export function headingAnchors(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const m of withoutCode(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
        const base = m[1]!
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
            .replace(/ /g, "-");
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    return anchors;
}

/** Every inline link target `[text](target)` outside code, without its optional title. */
export function linkTargets(markdown: string): string[] {
    const prose = withoutCode(markdown).replace(/`[^`\n]*`/g, "");
    return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** The broken relative links of one document (path relative to the project), each with why. */
export function brokenLinks(file: string, read: (p: string) => string | undefined): string[] {
    const text = read(file);
    if (text === undefined) return [`${file}: missing`];
    const broken: string[] = [];
    for (const target of linkTargets(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like
        const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
        const resolved = pathPart === "" ? file : path.normalize(path.join(path.dirname(file), decodeURI(pathPart)));
        const linked = read(resolved);
        if (linked === undefined) {
            broken.push(`${file}: ${target}: no file ${resolved}`);
            continue;
        }
        if (anchor !== undefined && !headingAnchors(linked).has(anchor))
            broken.push(`${file}: ${target}: ${resolved} has no heading #${anchor}`);
    }
    return broken;
}

const readProjectFile = (p: string): string | undefined => {
    const full = path.join(PROJECT_DIR, p);
    if (!fs.existsSync(full)) return undefined;
    return fs.statSync(full).isDirectory() ? "" : fs.readFileSync(full, "utf8");
};

describe("the documentation (README.md and docs/)", () => {
    it("links only to files that exist and to headings those files have", () => {
        const files = documents();
        assert.ok(files.length >= 12, files.join(" "));
        assert.deepEqual(
            files.flatMap((f) => brokenLinks(f, readProjectFile)),
            [],
        );
    });

    it("links README.md to every docs/ file", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const linked = new Set(linkTargets(readme).map((t) => t.split("#")[0]));
        assert.deepEqual(
            documents()
                .slice(1)
                .filter((f) => !linked.has(f)),
            [],
        );
    });

    it("opens every docs/ file with a title and one sentence on what it covers", () => {
        for (const file of documents().slice(1)) {
            const lines = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8").split("\n");
            assert.match(lines[0]!, /^# \S/, `${file}: a title first`);
            const first = lines.slice(1).find((l) => l.trim() !== "" && !l.startsWith("#"));
            assert.ok(first, `${file}: no text`);
            assert.match(first, /^[A-Z`].*[.]$/, `${file}: the first line is a sentence: ${first}`);
            assert.doesNotMatch(first.slice(0, -1), /[.!?]\s+[A-Z]/, `${file}: the first line is one sentence: ${first}`);
        }
    });

    it("keeps README.md to at most 260 lines", () => {
        const lines = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8").split("\n").length;
        assert.ok(lines <= 260, `README.md has ${lines} lines`);
    });
});

describe("the link check itself", () => {
    const files: Record<string, string> = {
        "README.md": "# Top\n\nSee [a](docs/a.md#two-words) and [b](docs/a.md#repeated-1), [c](https://example.com/x.md).\n",
        "docs/a.md": "# A\n\n## Two words\n\n## Repeated\n\n## Repeated\n\n## `netpol` exit codes: 0, 1, 2\n\n```\n[x](nowhere.md)\n```\n",
    };
    const read = (p: string) => files[p];

    it("follows GitHub's slugs: lowercase, punctuation dropped, spaces to hyphens, repeats numbered", () => {
        assert.deepEqual([...headingAnchors(files["docs/a.md"]!)], ["a", "two-words", "repeated", "repeated-1", "netpol-exit-codes-0-1-2"]);
        assert.deepEqual(
            [...headingAnchors("## The real path: `pulumi preview` and `pulumi up`\n## Delivery: pull requests, promotion, guardrails\n")],
            ["the-real-path-pulumi-preview-and-pulumi-up", "delivery-pull-requests-promotion-guardrails"],
        );
    });

    it("accepts good links, skips external ones and code, and names a missing file or heading", () => {
        assert.deepEqual(brokenLinks("README.md", read), []);
        assert.deepEqual(brokenLinks("docs/a.md", read), []);
        assert.deepEqual(
            brokenLinks("README.md", (p) => (p === "README.md" ? "[a](docs/b.md) [c](docs/a.md#nope)" : read(p))),
            ["README.md: docs/b.md: no file docs/b.md", "README.md: docs/a.md#nope: docs/a.md has no heading #nope"],
        );
        assert.deepEqual(
            brokenLinks("docs/a.md", (p) => (p === "docs/a.md" ? "[up](../README.md#top) [self](#x)" : read(p))),
            ["docs/a.md: #x: docs/a.md has no heading #x"],
        );
    });
});
