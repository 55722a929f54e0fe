/** The Kubernetes objects a program run registered, exactly as they would be applied. */
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { Registration } from "./mockRuntime";

export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const GATEWAY_TYPE = "kubernetes:gateway.networking.k8s.io/v1:Gateway";

/** A Kubernetes object as applied, of a kind the model does not interpret (a Gateway). */
export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string };
    readonly spec?: unknown;
}

export function deployedObjects(registrations: readonly Registration[]): {
    namespaces: Namespace[];
    policies: NetworkPolicy[];
    gateways: Manifest[];
} {
    const manifest = (r: Registration) => {
        const { apiVersion, kind, metadata, spec } = r.inputs as Record<string, unknown>;
        return spec === undefined ? { apiVersion, kind, metadata } : { apiVersion, kind, metadata, spec };
    };
    return {
        namespaces: registrations.filter((r) => r.type === NAMESPACE_TYPE).map((r) => manifest(r) as unknown as Namespace),
        policies: registrations.filter((r) => r.type === NETWORK_POLICY_TYPE).map((r) => manifest(r) as unknown as NetworkPolicy),
        gateways: registrations.filter((r) => r.type === GATEWAY_TYPE).map((r) => manifest(r) as unknown as Manifest),
    };
}
