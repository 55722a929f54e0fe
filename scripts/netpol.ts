/**
 * Entry point of `npm run --silent netpol -- <command>` (package.json) and of the bin
 * scripts/k8s-platform-netpol.cjs: the command line itself lives in cli/ (cli/netpol.ts lists the
 * commands).
 */
import { endQuietlyOnClosedPipe } from "../cli/args";
import { netpol } from "../cli/netpol";

export { netpol };

if (require.main === module) {
    endQuietlyOnClosedPipe();
    process.exitCode = netpol(process.argv.slice(2));
}
