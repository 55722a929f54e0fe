/**
 * The k8s-platform policy pack, run by `pulumi preview --policy-pack policy --policy-pack-config
 * policy/config/<stack>.json`. The rules live in policies.ts, where the tests import them without
 * starting a pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("k8s-platform", { policies, enforcementLevel: "advisory" });
