#!/usr/bin/env node
// The local cluster's probe, run inside the source pod's network namespace with `ip netns exec`:
// one argument per probe, `<T|U>,<address>,<port>`, after the timeout (ms) and the parallelism.
// Prints one line per probe as live/runner.ts reads it (`netpol-probe <index> <code> <message>`):
// TCP as agnhost connect reports it (0 connected; REFUSED, TIMEOUT or OTHER), UDP as dig does
// (0 a reply, 9 no reply): a DNS query for kubernetes.default.svc.cluster.local.
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node inside a network namespace, no build step */
"use strict";
const net = require("net");
const dgram = require("dgram");

const [timeoutMs, parallel, ...probes] = process.argv.slice(2);
const timeout = Number(timeoutMs);

function tcp(address, port) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port });
        const done = (code, message) => {
            clearTimeout(timer);
            socket.destroy();
            resolve([code, message]);
        };
        const timer = setTimeout(() => done(1, "TIMEOUT"), timeout);
        socket.once("connect", () => done(0, ""));
        socket.once("error", (e) => done(1, e.code === "ECONNREFUSED" ? "REFUSED" : `OTHER: ${e.code || e.message}`));
    });
}

function dnsQuery() {
    const labels = "kubernetes.default.svc.cluster.local".split(".");
    const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
    const header = Buffer.from([0x4c, 0x43, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    return Buffer.concat([header, name, Buffer.from([0, 1, 0, 1])]);
}

function udp(address, port) {
    return new Promise((resolve) => {
        const socket = dgram.createSocket("udp4");
        const done = (code, message) => {
            clearTimeout(timer);
            socket.close();
            resolve([code, message]);
        };
        const timer = setTimeout(() => done(9, "no reply"), timeout);
        socket.once("message", () => done(0, ""));
        socket.once("error", (e) => done(1, e.message));
        socket.send(dnsQuery(), port, address);
    });
}

async function main() {
    let next = 0;
    const worker = async () => {
        while (next < probes.length) {
            const i = next++;
            const [kind, address, port] = probes[i].split(",");
            const [code, message] = await (kind === "U" ? udp : tcp)(address, Number(port));
            process.stdout.write(`netpol-probe ${i} ${code} ${message}\n`);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Number(parallel)) }, worker));
    process.stdout.write("netpol-probe done\n");
}
main();
