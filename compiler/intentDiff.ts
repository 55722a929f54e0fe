/**
 * The connectivity change between two versions of a stack's intent: both compiled to policies by
 * the generator, both judged on one set of ports and outside addresses, then diffed.
 */
import { Connectivity } from "../engine/connectivity";
import { ConnectivityDiff, diffConnectivity } from "../engine/diff";
import { allPolicies, compileIntent } from "./generate";
import { NetworkIntent } from "./intent";
import { IntentWorld, checkConnectivity, checkIntent, intentWorld } from "./intentCheck";

export function intentConnectivity(intent: NetworkIntent, extra?: Pick<IntentWorld, "externals" | "ports">): Connectivity {
    const plans = compileIntent(intent);
    const namespaces = plans.map((p) => p.namespace);
    const check = checkIntent(intent, namespaces, allPolicies(plans), extra);
    return checkConnectivity(check, intent.appLabel);
}

export function diffIntents(before: NetworkIntent, after: NetworkIntent): ConnectivityDiff {
    // Each side's world with its own policies' port boundaries, so both judge every port class of either.
    const worldOf = (intent: NetworkIntent) => {
        const plans = compileIntent(intent);
        return intentWorld(
            intent,
            plans.map((p) => p.namespace),
            undefined,
            allPolicies(plans),
        );
    };
    const a = worldOf(before);
    const b = worldOf(after);
    const extra = { externals: [...a.externals, ...b.externals], ports: [...a.ports, ...b.ports] };
    return diffConnectivity(intentConnectivity(before, extra), intentConnectivity(after, extra));
}
