/**
 * The account guard: before anything is registered, the credentials' account (STS
 * GetCallerIdentity, which answers for any credentials and needs no permission: STS API
 * Reference, GetCallerIdentity) must be the one the stack file names (`accountId`). A prod run
 * with nonprod's credentials, or the reverse, stops here naming both accounts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { wrongAccount } from "../config/checks/accounts";
import { formatLocatedProblem } from "../config/load";

export async function guardAccount(accountId: string | undefined): Promise<void> {
    if (accountId === undefined) return;
    const caller = await aws.getCallerIdentity();
    const problem = wrongAccount(accountId, caller.accountId, caller.arn);
    if (problem) throw new pulumi.RunError(formatLocatedProblem(problem));
}
