/**
 * Sets of addresses as sorted, disjoint intervals, and back to the fewest CIDRs. A NetworkPolicy
 * says "this range except those" (ipBlock `cidr` with `except`); an AWS security group rule, and
 * so a load balancer's `loadBalancerSourceRanges`, takes plain ranges only. `cidrDifference`
 * turns the first into the second exactly, so the load balancer admits the very addresses the
 * pods' policies admit. Pure.
 */
import { IpFamily, formatIp, requireCidr } from "../engine/cidr";

/** Addresses `first..last` (inclusive) of one family. */
export interface AddressInterval {
    readonly family: IpFamily;
    readonly first: bigint;
    readonly last: bigint;
}

/** A range with the ranges it leaves out, as an ipBlock says it. */
export interface RangeWithExcepts {
    readonly cidr: string;
    readonly except?: readonly string[];
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/**
 * The addresses of the ranges, each without its own excepts, as sorted disjoint intervals
 * (adjacent ones joined): the canonical form two address sets are compared in.
 */
export function addressIntervals(ranges: readonly RangeWithExcepts[]): AddressInterval[] {
    const pieces: AddressInterval[] = [];
    for (const r of ranges) {
        const block = requireCidr(r.cidr);
        let rest: AddressInterval[] = [{ family: block.family, first: block.first, last: block.last }];
        for (const e of r.except ?? []) {
            const x = requireCidr(e);
            rest = rest.flatMap((i) => subtract(i, { family: x.family, first: x.first, last: x.last }));
        }
        pieces.push(...rest);
    }
    return union(pieces);
}

/** The fewest CIDRs that hold exactly the addresses of the intervals, sorted. */
export function intervalsToCidrs(intervals: readonly AddressInterval[]): string[] {
    const out: string[] = [];
    for (const i of union(intervals)) {
        const bits = BITS[i.family];
        let first = i.first;
        while (first <= i.last) {
            // The largest aligned block that starts at `first` and ends inside the interval.
            let size = 0;
            while (size < bits && (first & ((1n << BigInt(size + 1)) - 1n)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= i.last)
                size++;
            out.push(`${formatIp({ family: i.family, value: first })}/${bits - size}`);
            first += 1n << BigInt(size);
        }
    }
    return out;
}

/** `cidr` without the `excepts`, as plain CIDRs: `10.0.0.0/8` minus `10.0.0.0/9` is `10.128.0.0/9`. */
export function cidrDifference(cidr: string, excepts: readonly string[]): string[] {
    return intervalsToCidrs(addressIntervals([{ cidr, except: excepts }]));
}

/** The plain CIDRs holding exactly the addresses that a list of ipBlocks admits. */
export function exactRanges(ranges: readonly RangeWithExcepts[]): string[] {
    return intervalsToCidrs(addressIntervals(ranges));
}

/** Whether two lists of ranges (with excepts) hold the same addresses. */
export function sameAddresses(a: readonly RangeWithExcepts[], b: readonly RangeWithExcepts[]): boolean {
    const x = addressIntervals(a);
    const y = addressIntervals(b);
    return x.length === y.length && x.every((i, k) => i.family === y[k]!.family && i.first === y[k]!.first && i.last === y[k]!.last);
}

function subtract(a: AddressInterval, b: AddressInterval): AddressInterval[] {
    if (a.family !== b.family || b.last < a.first || b.first > a.last) return [a];
    const out: AddressInterval[] = [];
    if (b.first > a.first) out.push({ family: a.family, first: a.first, last: b.first - 1n });
    if (b.last < a.last) out.push({ family: a.family, first: b.last + 1n, last: a.last });
    return out;
}

function union(intervals: readonly AddressInterval[]): AddressInterval[] {
    const sorted = [...intervals].sort((x, y) => x.family - y.family || (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
    const out: AddressInterval[] = [];
    for (const i of sorted) {
        const last = out[out.length - 1];
        if (last && last.family === i.family && i.first <= last.last + 1n) {
            if (i.last > last.last) out[out.length - 1] = { ...last, last: i.last };
        } else out.push(i);
    }
    return out;
}
