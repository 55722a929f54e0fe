/**
 * IPv4 and IPv6 addresses and CIDR ranges as integer intervals, for ipBlock matching, config
 * checks and coverage questions ("do these ranges together allow the whole internet?").
 * Parsing is delegated to ipaddr.js, strict about IPv4 (four decimal parts only).
 */
import * as ipaddr from "ipaddr.js";

export type IpFamily = 4 | 6;

export interface IpAddress {
    readonly family: IpFamily;
    readonly value: bigint;
}

export interface CidrBlock {
    readonly family: IpFamily;
    readonly prefix: number;
    /** First and last address of the range, inclusive. */
    readonly first: bigint;
    readonly last: bigint;
    /** Whether the address part is the network address (no host bits set), as Kubernetes expects. */
    readonly canonical: boolean;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function parseIp(text: string): IpAddress | undefined {
    const known = parsedIps.get(text);
    if (known) return known;
    let ip: IpAddress | undefined;
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) ip = { family: 4, value: bytesToBigint(ipaddr.IPv4.parse(text).toByteArray()) };
    else if (text.includes(":") && ipaddr.IPv6.isValid(text))
        ip = { family: 6, value: bytesToBigint(ipaddr.IPv6.parse(text).toByteArray()) };
    if (ip) {
        // The same addresses are read over and over (every pod of a world, for every question).
        if (parsedIps.size > 100_000) parsedIps.clear();
        parsedIps.set(text, ip);
    }
    return ip;
}
const parsedIps = new Map<string, IpAddress>();

/** Parses `a.b.c.d/n` or `x::/n`; returns a reason when the text is not a CIDR. */
export function parseCidr(text: string): CidrBlock | { readonly error: string } {
    const slash = text.indexOf("/");
    if (slash < 0) return { error: "is not a CIDR (address/prefix, e.g. 10.0.0.0/16)" };
    const address = parseIp(text.slice(0, slash));
    if (!address) return { error: `${text.slice(0, slash)} is not an IPv4 or IPv6 address` };
    const prefixText = text.slice(slash + 1);
    const prefix = Number(prefixText);
    const bits = BITS[address.family];
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) return { error: `prefix /${prefixText} is not between /0 and /${bits}` };
    const hostBits = BigInt(bits - prefix);
    const first = (address.value >> hostBits) << hostBits;
    const last = first + (1n << hostBits) - 1n;
    return { family: address.family, prefix, first, last, canonical: first === address.value };
}

/** For CIDRs that validation has already accepted (snapshots, intents): a failure is a bug. */
export function requireCidr(text: string): CidrBlock {
    let block = accepted.get(text);
    if (block) return block;
    const parsed = parseCidr(text);
    if (isCidrError(parsed)) throw new Error(`invalid CIDR ${text}: ${parsed.error}`);
    // Readers of intents ask about the same few ranges millions of times (the intent check).
    if (accepted.size > 10_000) accepted.clear();
    accepted.set(text, (block = parsed));
    return block;
}
const accepted = new Map<string, CidrBlock>();

export function isCidrError(value: CidrBlock | { readonly error: string }): value is { readonly error: string } {
    return "error" in value;
}

/** The canonical spelling of a block (`10.0.0.1/24` -> `10.0.0.0/24`). */
export function formatCidr(block: CidrBlock): string {
    return `${formatIp({ family: block.family, value: block.first })}/${block.prefix}`;
}

export function formatIp(ip: IpAddress): string {
    const bytes: number[] = [];
    for (let i = BITS[ip.family] / 8 - 1; i >= 0; i--) bytes.push(Number((ip.value >> BigInt(i * 8)) & 0xffn));
    return ipaddr.fromByteArray(bytes).toString();
}

export function blockContainsIp(block: CidrBlock, ip: IpAddress): boolean {
    return block.family === ip.family && ip.value >= block.first && ip.value <= block.last;
}

export function blockContainsBlock(outer: CidrBlock, inner: CidrBlock): boolean {
    return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function blocksOverlap(a: CidrBlock, b: CidrBlock): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/**
 * Whether the union of the blocks covers every address of the family: `0.0.0.0/1` plus
 * `128.0.0.0/1` is as open as `0.0.0.0/0`, and string matching would miss it.
 */
export function coversWholeFamily(blocks: readonly CidrBlock[], family: IpFamily): boolean {
    const ranges = blocks.filter((b) => b.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = 0n;
    for (const r of ranges) {
        if (r.first > next) return false;
        if (r.last + 1n > next) next = r.last + 1n;
    }
    return next === 1n << BigInt(BITS[family]);
}

function bytesToBigint(bytes: readonly number[]): bigint {
    return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}
