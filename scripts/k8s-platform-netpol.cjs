#!/usr/bin/env node
// `npx k8s-platform-netpol <command>`: the netpol command line without npm run. Registers tsx
// (TypeScript run without a build step, CommonJS) and hands over to scripts/netpol.ts (the command line is cli/).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS shim: require is how it loads tsx and the command */
"use strict";
require("tsx/cjs");
const { netpol } = require("./netpol.ts");
process.exitCode = netpol(process.argv.slice(2));
