import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { parse } from "yaml";
import { renderStackConfigJsonSchema } from "../config/jsonSchema";
import { PROJECT_DIR } from "./harness";

const FILE = path.join(PROJECT_DIR, "schema", "stack-config.schema.json");

describe("the JSON Schema of the stack files", () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(FILE, "utf8")));
    const stackFile = (stack: string) => parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));

    it("is the file the zod schema generates (run npm run schema after changing config/shape.ts)", () => {
        assert.equal(fs.readFileSync(FILE, "utf8"), renderStackConfigJsonSchema());
    });

    it("accepts both stack files, and each names it for the YAML language server on its first line", () => {
        for (const stack of ["nonprod", "prod"]) {
            assert.equal(validate(stackFile(stack)), true, JSON.stringify(validate.errors));
            const first = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8").split("\n")[0];
            assert.equal(first, "# yaml-language-server: $schema=./schema/stack-config.schema.json");
        }
        const vscode = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, ".vscode", "settings.json"), "utf8"));
        assert.deepEqual(vscode["yaml.schemas"], { "./schema/stack-config.schema.json": "Pulumi.*.yaml" });
    });

    it("flags a misspelt key of the project and a wrong enum value, and leaves other providers' keys alone", () => {
        const doc = stackFile("nonprod");
        doc.config["k8s-platform:netwrok"] = doc.config["k8s-platform:network"];
        doc.config["aws:profile"] = "platform";
        doc.config["k8s-platform:cluster"].nodeGroup.capacityType = "spot";
        assert.equal(validate(doc), false);
        assert.deepEqual(
            validate.errors!.map((e) => `${e.instancePath} ${e.message}`),
            [
                "/config must NOT have additional properties",
                "/config/k8s-platform:cluster/nodeGroup/capacityType must be equal to one of the allowed values",
            ],
        );
        assert.deepEqual(validate.errors![0]!.params, { additionalProperty: "k8s-platform:netwrok" });
    });

    it("takes ports as numbers, names or objects, and CIDRs as text or objects, as the program does", () => {
        const doc = stackFile("nonprod");
        doc.config["k8s-platform:network"].webPorts = [8080, "http", { port: 8443, protocol: "TCP" }];
        doc.config["k8s-platform:network"].cidrSources = [
            { name: "office", to: "payments/api", cidrs: ["10.0.0.0/8", { cidr: "192.0.2.0/24", except: [] }] },
        ];
        assert.equal(validate(doc), true, JSON.stringify(validate.errors));
    });
});
