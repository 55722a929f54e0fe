/**
 * The entries the network section is made of: short entry names, `namespace/app` references
 * (alone or in lists) and port lists.
 */
import { z } from "zod";
import { PROTOCOLS, Protocol } from "../../engine/k8s";
import { ALL_APPS, AppRef, PortSpec } from "../../compiler/intent";
import { comparePorts, portString } from "../../compiler/generate";
import { port } from "../shape";
import { shorten, suggest } from "../problems";
import { CheckContext } from "./context";
import { isNamedPort } from "./names";

/** A short lowercase name, unique among its kind. */
export function shortName(ctx: CheckContext, name: string, path: (string | number)[], seen: Set<string>): void {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
        ctx.problem(path, name, "is not a short lowercase name (DNS-1123 label, at most 40 characters)", "e.g. office-vpn");
    } else if (seen.has(name)) ctx.problem(path, name, "is declared twice", "merge the two entries or rename one");
    seen.add(name);
}

/** `ns/app`, `ns/*` or a list of them; `*` may not stand beside app names of its namespace. */
export function appRefList(
    ctx: CheckContext,
    texts: readonly string[],
    path: (string | number)[],
    apps: ReadonlyMap<string, readonly string[]>,
): AppRef[] {
    const refs: AppRef[] = [];
    texts.forEach((text, j) => {
        const ref = appRef(ctx, text, texts.length > 1 ? [...path, j] : path, apps, true);
        if (ref) refs.push(ref);
    });
    for (const ref of refs) {
        if (ref.app === ALL_APPS && refs.some((r) => r.namespace === ref.namespace && r.app !== ALL_APPS)) {
            ctx.problem(
                path,
                texts,
                `mixes ${ref.namespace}/* with apps of ${ref.namespace}`,
                `${ref.namespace}/* already names every app; keep one`,
            );
            return [];
        }
    }
    return refs;
}

export function appRef(
    ctx: CheckContext,
    text: string,
    path: (string | number)[],
    apps: ReadonlyMap<string, readonly string[]>,
    wholeNamespace = false,
): AppRef | undefined {
    const parts = text.split("/");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
        ctx.problem(
            path,
            text,
            "is not namespace/app",
            wholeNamespace ? "e.g. checkout/api, or checkout/* for every app" : "e.g. checkout/api",
        );
        return undefined;
    }
    const [namespace, app] = parts as [string, string];
    const known = apps.get(namespace);
    if (!known) {
        ctx.problem(path, text, `names unknown namespace ${shorten(namespace)}`, suggest(namespace, [...apps.keys()]));
        return undefined;
    }
    if (app === ALL_APPS && wholeNamespace) return { namespace, app };
    if (!known.includes(app)) {
        ctx.problem(
            path,
            text,
            `names app ${shorten(app)}, which namespace ${namespace} does not run`,
            suggest(app, known) ?? `its apps: ${known.join(", ")}`,
        );
        return undefined;
    }
    return { namespace, app };
}

export function ports(ctx: CheckContext, entries: readonly z.infer<typeof port>[], path: (string | number)[]): PortSpec[] {
    const result: PortSpec[] = [];
    entries.forEach((p, i) => {
        const at = [...path, i];
        let ok = true;
        const protocol = p.protocol ?? "TCP";
        if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
            const right = PROTOCOLS.find((x) => x === protocol.toUpperCase());
            ctx.problem(
                [...at, "protocol"],
                protocol,
                `is not a protocol NetworkPolicy knows (${PROTOCOLS.join(", ")})`,
                right ? `protocols are case-sensitive: write ${right}` : undefined,
            );
            ok = false;
        }
        if (typeof p.port === "number") {
            if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
                ctx.problem([...at, "port"], p.port, "is not a whole number from 1 to 65535");
                ok = false;
            }
        } else if (!isNamedPort(p.port)) {
            ctx.problem(
                [...at, "port"],
                p.port,
                "is not a valid named port",
                "at most 15 lowercase letters, digits and single dashes, with at least one letter (IANA_SVC_NAME)",
            );
            ok = false;
        }
        if (p.endPort !== undefined) {
            if (typeof p.port === "string") {
                ctx.problem([...at, "endPort"], p.endPort, "cannot go with a named port", "use a numeric port to open a range");
                ok = false;
            } else if (!Number.isInteger(p.endPort) || p.endPort < 1 || p.endPort > 65535) {
                ctx.problem([...at, "endPort"], p.endPort, "is not a whole number from 1 to 65535");
                ok = false;
            } else if (p.endPort < p.port) {
                ctx.problem([...at, "endPort"], p.endPort, `is below port ${p.port}`);
                ok = false;
            }
        }
        if (ok)
            result.push(
                p.endPort !== undefined && p.endPort !== p.port
                    ? { protocol: protocol as Protocol, port: p.port, endPort: p.endPort }
                    : { protocol: protocol as Protocol, port: p.port },
            );
    });
    const unique = new Map(result.map((p) => [portString(p), p]));
    return [...unique.values()].sort(comparePorts);
}
