/**
 * A JSON Schema of `Pulumi.<stack>.yaml`, generated from the same zod schema the program
 * validates with (config/shape.ts), so that an editor with the YAML language server validates and
 * completes the stack files as they are typed. Draft 7: the YAML language server "supports JSON
 * Schema 7 and below" (redhat-developer/yaml-language-server README, 1.x). The program's own
 * checks (config/checks/: CIDR maths, references between keys) stay the authority.
 */
import { z } from "zod";
import { PROJECT, configSchema } from "./shape";

type JsonSchema = Record<string, unknown>;

export function stackConfigJsonSchema(): JsonSchema {
    const config = z.toJSONSchema(configSchema, {
        target: "draft-7",
        // What a person writes: defaults make keys optional.
        io: "input",
        unrepresentable: "any",
        override: (ctx) => {
            // z.preprocess shorthands: the schema shows what they turn into; accept what they take too.
            const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; in?: { _zod: { def: { type: string } } } } } })._zod
                .def;
            if (def.type !== "pipe" || def.in?._zod.def.type !== "transform") return;
            const properties = (ctx.jsonSchema["properties"] ?? {}) as Record<string, unknown>;
            const object = { ...ctx.jsonSchema };
            for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
            // A port as a number or a name (`8080`, `http`), a range as `cidr` text.
            if ("port" in properties) ctx.jsonSchema["anyOf"] = [{ type: "integer" }, { type: "string", minLength: 1 }, object];
            else if ("cidr" in properties) ctx.jsonSchema["anyOf"] = [{ type: "string" }, object];
            // One or more names (`to: psp-api` or `to: [psp-api, orders-db]`).
            else if (object["type"] === "array") ctx.jsonSchema["anyOf"] = [{ type: "string" }, object];
            else Object.assign(ctx.jsonSchema, object);
        },
    }) as JsonSchema;
    const properties = config["properties"] as Record<string, unknown>;
    const required = (config["required"] ?? []) as string[];
    const key = (k: string) => `${PROJECT}:${k}`;
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        $comment: "Generated from config/shape.ts by `npm run schema`; do not edit by hand.",
        title: `Pulumi stack settings of ${PROJECT} (Pulumi.<stack>.yaml)`,
        type: "object",
        properties: {
            config: {
                type: "object",
                description: `Stack configuration: ${PROJECT}:<key> for this program, <provider>:<key> (e.g. aws:region) for providers.`,
                properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [key(k), v])),
                required: required.map(key),
                // Other namespaces (aws:region, kubernetes:...) belong to providers and are theirs to check.
                patternProperties: { [`^(?!${PROJECT}:)[^:]+:.+$`]: {} },
                additionalProperties: false,
            },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: { type: "array", items: { type: "string" }, description: "Pulumi ESC environments imported by the stack" },
        },
        required: ["config"],
    };
}

/** The committed file's text: stable key order, two-space indent, final newline. */
export function renderStackConfigJsonSchema(): string {
    return `${JSON.stringify(stackConfigJsonSchema(), null, 2)}\n`;
}
