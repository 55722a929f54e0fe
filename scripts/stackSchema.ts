/**
 * `npm run schema`: writes schema/stack-config.schema.json from the zod schema of the stack
 * configuration (config/jsonSchema.ts). Run it after changing config/shape.ts; a test fails
 * while the committed file differs from what the code generates.
 */
import * as fs from "fs";
import * as path from "path";
import { renderStackConfigJsonSchema } from "../config/jsonSchema";
import { UsageError, execute, parseCommand } from "../cli/args";

export const STACK_SCHEMA_FILE = path.join("schema", "stack-config.schema.json");

const USAGE = `usage: npm run schema [-- --check]
Writes ${STACK_SCHEMA_FILE} (the JSON Schema editors use for Pulumi.<stack>.yaml) from config/shape.ts.
  --check   write nothing; exit 1 when the committed file is out of date
exit codes: 0 written or up to date, 1 out of date (--check), 2 usage error`;

if (require.main === module)
    process.exitCode = execute((io) => {
        const { flags, positionals } = parseCommand(process.argv.slice(2), { check: { type: "boolean" } }, USAGE);
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}\n\n${USAGE}`);
        const file = path.resolve(__dirname, "..", STACK_SCHEMA_FILE);
        const text = renderStackConfigJsonSchema();
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (flags["check"]) {
            io.stdout(
                current === text ? `${STACK_SCHEMA_FILE} is up to date\n` : `${STACK_SCHEMA_FILE} is out of date: run npm run schema\n`,
            );
            return current === text ? 0 : 1;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        io.stdout(`${current === text ? "unchanged" : "wrote"} ${STACK_SCHEMA_FILE}\n`);
        return 0;
    });
