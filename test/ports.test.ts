import { strict as assert } from "assert";
import { NetworkPolicy } from "../engine/k8s";
import {
    classOfPort,
    distinguishedPortRanges,
    formatPortClass,
    formatPortRange,
    policyPortEntries,
    policyPortRanges,
    portClasses,
} from "../engine/ports";

const policy = (ports: NetworkPolicy["spec"]["ingress"]): NetworkPolicy => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "p", namespace: "a" },
    spec: { podSelector: {}, ingress: ports },
});

describe("the port ranges policies distinguish (engine/ports)", () => {
    it("cuts 1..65535 at a range's first port and the port after its last, per protocol", () => {
        const ranges = distinguishedPortRanges([
            { port: 8000, endPort: 9000 },
            { port: 53, protocol: "UDP" },
        ]);
        assert.deepEqual(ranges.map(formatPortRange), [
            "1-7999/TCP",
            "8000-9000/TCP",
            "9001-65535/TCP",
            "1-52/UDP",
            "53/UDP",
            "54-65535/UDP",
        ]);
    });

    it("resolves a named port against the pods' container ports of that name and protocol", () => {
        const pods = [
            { ports: [{ name: "http", port: 8080, protocol: "TCP" as const }] },
            { ports: [{ name: "http", port: 9090, protocol: "UDP" as const }] },
        ];
        const ranges = policyPortRanges([policy([{ ports: [{ port: "http" }] }])], pods);
        assert.deepEqual(ranges.map(formatPortRange), ["1-8079/TCP", "8080/TCP", "8081-65535/TCP", "1-65535/UDP"]);
    });

    it("reads every rule of both directions, and a rule without ports cuts nothing", () => {
        const p: NetworkPolicy = {
            ...policy([{ ports: [{ port: 443 }] }, {}]),
            spec: { podSelector: {}, ingress: [{ ports: [{ port: 443 }] }, {}], egress: [{ ports: [{ port: 5432, protocol: "SCTP" }] }] },
        };
        assert.deepEqual(policyPortEntries([p]), [{ port: 443 }, { port: 5432, protocol: "SCTP" }]);
        assert.deepEqual(policyPortRanges([p]).map(formatPortRange), [
            "1-442/TCP",
            "443/TCP",
            "444-65535/TCP",
            "1-65535/UDP",
            "1-5431/SCTP",
            "5432/SCTP",
            "5433-65535/SCTP",
        ]);
    });

    it("groups ranges that the same entries cover, with port 7 standing for the ports nothing names", () => {
        const classes = portClasses([{ port: 8080 }, { port: 8000, endPort: 9000 }]);
        assert.deepEqual(
            classes.map((c) => [formatPortClass(c), c.representative]),
            [
                ["1-7999, 9001-65535/TCP", 7],
                ["8000-8079, 8081-9000/TCP", 8000],
                ["8080/TCP", 8080],
                ["1-65535/UDP", 7],
            ],
        );
        assert.equal(classOfPort(classes, 8500, "TCP"), classes[1]);
        assert.equal(classOfPort(classes, 8500, "SCTP"), undefined);
    });
});
