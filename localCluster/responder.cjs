#!/usr/bin/env node
// A pod's listener in the local cluster (no image, no kubelet): run inside the pod's network
// namespace with `ip netns exec`, it accepts TCP connections on every port given with --tcp and
// answers a DNS query on every UDP port given with --udp (the reply is the query marked as a
// response with NXDOMAIN: enough for a probe to see that the query got through and back).
// Prints "ready" once every port listens. Usage: responder.cjs --tcp 80,8080 --udp 53
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node inside a network namespace, no build step */
"use strict";
const net = require("net");
const dgram = require("dgram");

const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? [] : process.argv[i + 1].split(",").filter(Boolean).map(Number);
};
const listening = [];
for (const port of arg("--tcp")) {
    const server = net.createServer((socket) => {
        socket.on("error", () => undefined);
        socket.end("local-cluster\n");
    });
    listening.push(new Promise((resolve, reject) => server.once("error", reject).listen(port, "0.0.0.0", resolve)));
}
for (const port of arg("--udp")) {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (query, from) => {
        if (query.length < 12) return;
        const reply = Buffer.from(query);
        reply[2] = reply[2] | 0x80; // QR: a response (RFC 1035 4.1.1)
        reply[3] = (reply[3] & 0xf0) | 3; // RCODE 3: NXDOMAIN
        socket.send(reply, from.port, from.address);
    });
    listening.push(new Promise((resolve, reject) => socket.once("error", reject).bind(port, "0.0.0.0", resolve)));
}
Promise.all(listening).then(
    () => process.stdout.write("ready\n"),
    (e) => {
        process.stderr.write(`responder: ${e.message}\n`);
        process.exit(1);
    },
);
