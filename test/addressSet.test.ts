import { strict as assert } from "assert";
import fc from "fast-check";
import { addressIntervals, cidrDifference, exactRanges, intervalsToCidrs, sameAddresses } from "../compiler/addressSet";
import { blockContainsIp, formatIp, requireCidr } from "../engine/cidr";

describe("address sets: a range minus its excepts as plain CIDRs", () => {
    it("takes an except out of its range with the fewest CIDRs", () => {
        assert.deepEqual(cidrDifference("10.0.0.0/8", ["10.0.0.0/9"]), ["10.128.0.0/9"]);
        assert.deepEqual(cidrDifference("192.0.2.0/24", ["192.0.2.128/25"]), ["192.0.2.0/25"]);
        assert.deepEqual(cidrDifference("10.0.0.0/8", ["10.40.0.0/18"]), [
            "10.0.0.0/11",
            "10.32.0.0/13",
            "10.40.64.0/18",
            "10.40.128.0/17",
            "10.41.0.0/16",
            "10.42.0.0/15",
            "10.44.0.0/14",
            "10.48.0.0/12",
            "10.64.0.0/10",
            "10.128.0.0/9",
        ]);
    });

    it("gives nothing for a range its excepts cover, and the range itself without excepts", () => {
        assert.deepEqual(cidrDifference("10.1.0.0/16", ["10.0.0.0/8"]), []);
        assert.deepEqual(cidrDifference("10.1.0.0/16", []), ["10.1.0.0/16"]);
        assert.deepEqual(cidrDifference("0.0.0.0/0", []), ["0.0.0.0/0"]);
        assert.deepEqual(cidrDifference("203.0.113.7/32", ["203.0.113.7/32"]), []);
    });

    it("joins adjacent and overlapping ranges of a list, and reads IPv6", () => {
        assert.deepEqual(exactRanges([{ cidr: "10.0.0.0/25" }, { cidr: "10.0.0.128/25" }, { cidr: "10.0.0.64/26" }]), ["10.0.0.0/24"]);
        assert.deepEqual(cidrDifference("2001:db8::/32", ["2001:db8:8000::/33"]), ["2001:db8::/33"]);
    });

    it("says whether two lists hold the same addresses, however they are cut", () => {
        assert.equal(sameAddresses([{ cidr: "10.0.0.0/8", except: ["10.128.0.0/9"] }], [{ cidr: "10.0.0.0/9" }]), true);
        assert.equal(sameAddresses([{ cidr: "10.0.0.0/8", except: ["10.128.0.0/10"] }], [{ cidr: "10.0.0.0/9" }]), false);
        assert.equal(sameAddresses([{ cidr: "10.0.0.0/8" }], [{ cidr: "2001:db8::/32" }]), false);
    });

    it("holds exactly the addresses in a range and in none of its excepts, with disjoint CIDRs (random ranges)", () => {
        const block = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 32 })).map(([v, p]) => {
            const value = (BigInt(v) >> BigInt(32 - p)) << BigInt(32 - p);
            return `${formatIp({ family: 4, value })}/${p}`;
        });
        fc.assert(
            fc.property(
                block,
                fc.array(block, { maxLength: 5 }),
                fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
                (range, excepts, probes) => {
                    const out = cidrDifference(range, excepts);
                    const blocks = out.map((c) => requireCidr(c));
                    const outer = requireCidr(range);
                    // Probes inside the range, at the edges of every except and anywhere.
                    const edges = excepts.flatMap((e) => {
                        const b = requireCidr(e);
                        return [b.first - 1n, b.first, b.last, b.last + 1n];
                    });
                    for (const value of [outer.first, outer.last, ...edges, ...probes.map(BigInt)]) {
                        if (value < 0n || value > 0xffffffffn) continue;
                        const ip = { family: 4 as const, value };
                        const expected = blockContainsIp(outer, ip) && !excepts.some((e) => blockContainsIp(requireCidr(e), ip));
                        assert.equal(
                            blocks.filter((b) => blockContainsIp(b, ip)).length,
                            expected ? 1 : 0,
                            `${range} - ${excepts} at ${formatIp(ip)}`,
                        );
                    }
                    // The fewest CIDRs: writing the same intervals again gives the same list.
                    assert.deepEqual(intervalsToCidrs(addressIntervals(out.map((cidr) => ({ cidr })))), out);
                },
            ),
            { numRuns: 200 },
        );
    });
});
