/** The Kubernetes objects a program run registered, exactly as they would be applied. */
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { Registration } from "./mockRuntime";

export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

export function deployedObjects(registrations: readonly Registration[]): { namespaces: Namespace[]; policies: NetworkPolicy[] } {
    const manifest = (r: Registration) => {
        const { apiVersion, kind, metadata, spec } = r.inputs as Record<string, unknown>;
        return spec === undefined ? { apiVersion, kind, metadata } : { apiVersion, kind, metadata, spec };
    };
    return {
        namespaces: registrations.filter((r) => r.type === NAMESPACE_TYPE).map((r) => manifest(r) as unknown as Namespace),
        policies: registrations.filter((r) => r.type === NETWORK_POLICY_TYPE).map((r) => manifest(r) as unknown as NetworkPolicy),
    };
}
