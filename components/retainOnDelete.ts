import * as pulumi from "@pulumi/pulumi";

/**
 * Keeps what it is given when the stack deletes it, or replaces it under a new name. Set as a
 * transform on a chart or manifest of CRDs: transforms, unlike `retainOnDelete` on a component,
 * also reach the children a remote (multi-language) component such as helm.v4.Chart registers (Pulumi docs,
 * "Resource options: transforms", @pulumi/pulumi 3.248.0 `ResourceOptions.transforms`).
 */
export const retainOnDelete: pulumi.ResourceTransform = (args) => ({
    props: args.props,
    opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }),
});
