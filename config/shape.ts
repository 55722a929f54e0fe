/**
 * The shape of the stack configuration (zod): which keys exist, their types and defaults. The
 * meaning of the values is checked in `checks/`; `schema.ts` runs both.
 */
import { z } from "zod";

/** The Pulumi project name, which prefixes every config key (`k8s-platform:network`). */
export const PROJECT = "k8s-platform";

// ---------------------------------------------------------------------------------------------
// Shape

export const port = z.preprocess(
    (v) => (typeof v === "number" || (typeof v === "string" && v !== "") ? { port: v } : v),
    z.strictObject({
        port: z.union([z.number(), z.string()]),
        protocol: z.string().optional(),
        endPort: z.number().optional(),
    }),
);
const ports = z.array(port);
const cidrEntry = z.preprocess(
    (v) => (typeof v === "string" ? { cidr: v } : v),
    z.strictObject({ cidr: z.string(), except: z.array(z.string()).default([]) }),
);

/** The fields of a named address rule (a CIDR source, an egress destination). */
const addressRule = {
    cidrs: z.array(cidrEntry).min(1),
    ports: ports.optional(),
    /** The ranges are meant to admit pods too; otherwise the pod ranges are excepted from them. */
    includesPods: z.boolean().default(false),
    /** Production: ranges that together cover every address must say so. */
    acknowledgeAnyAddress: z.boolean().default(false),
};

/** A string or a list of strings (`to: psp-api` or `to: [psp-api, orders-db]`). */
const oneOrMore = z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(z.string()).min(1));

const clusterSchema = z.strictObject({
    /** EKS cluster name; also the physical name, so kubeconfig contexts are stable. */
    name: z.string(),
    /** EKS minor version (`"1.35"`), quoted; config/kubernetes.ts holds the support calendar. */
    kubernetesVersion: z.string(),
    /** What EKS does at the end of standard support: STANDARD upgrades the cluster, EXTENDED bills extended support. */
    upgradePolicy: z.enum(["STANDARD", "EXTENDED"]),
    ipFamily: z.enum(["ipv4", "ipv6"]).default("ipv4"),
    vpc: z.strictObject({
        cidr: z.string(),
        availabilityZones: z.number().int().min(2).max(6).default(2),
        natGateways: z.enum(["Single", "OnePerAz"]).default("Single"),
        existing: z
            .strictObject({
                vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "expected a VPC ID such as vpc-0a1b2c3d"),
                privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "expected a subnet ID")).min(2),
                publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "expected a subnet ID")).min(2),
                /** Small subnets of their own for the EKS control plane's network interfaces. */
                controlPlaneSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "expected a subnet ID")).min(2),
                /** Address ranges of that VPC, which the address rules need (they are not looked up). */
                podCidrs: z.array(z.string()).min(1),
                controlPlaneCidrs: z.array(z.string()).min(1),
                /** The port the API server serves on at those addresses, as pods reach it: EKS 443, a kubeadm control plane (kind) 6443. */
                apiServerPort: z.number().int().min(1).max(65535).default(443),
            })
            .optional(),
    }),
    endpoint: z.strictObject({
        privateAccess: z.boolean(),
        publicAccess: z.boolean(),
        publicAccessCidrs: z.array(z.string()).default([]),
        /**
         * Ranges that reach the private endpoint through the VPC (transit gateway, VPN, a peered
         * runner VPC): each becomes a 443 rule on the EKS cluster security group.
         */
        privateAccessCidrs: z.array(z.string()).default([]),
        /** The kind of runner CI's cluster jobs run on (CLUSTER_RUNNER), which decides the endpoint modes that can work (docs/security-accounts.md). */
        runners: z.enum(["github-hosted", "static-public", "peered"]).optional(),
        /**
         * The networks of privateAccessCidrs resolve the endpoint's name through this VPC's Route 53
         * Resolver (an outbound rule forwarding to an inbound endpoint, made outside this program):
         * with publicAccess on, only so do they reach the private endpoint.
         */
        resolverForwarding: z.boolean().default(false),
    }),
    logTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default([]),
    secretsEncryption: z.boolean().default(false),
    deletionProtection: z.boolean().default(false),
    /** The bootstrap's `platform-boundary` policy (output permissionsBoundaryArn): every IAM role the stack creates carries it, the only way its deploy role may create roles. */
    permissionsBoundaryArn: z.string().optional(),
    /** Pulumi `protect` on the cluster and the namespaces: a destroy must first be unprotected. */
    protect: z.boolean().default(false),
    nodeGroup: z.strictObject({
        instanceTypes: z.array(z.string()).min(1),
        minSize: z.number().int().min(1),
        desiredSize: z.number().int().min(1),
        maxSize: z.number().int().min(1),
        diskSizeGiB: z.number().int().min(20).default(50),
        capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
        /** IMDSv2 response hop limit; 1 keeps the node role's credentials from pods (checks/tenancy.ts refuses more). */
        metadataHopLimit: z.number().int().min(1).default(1),
    }),
    accessEntries: z
        .array(
            z.strictObject({
                name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a lowercase name such as platform-admins"),
                principalArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, "expected an IAM role or user ARN"),
                /** An EKS access policy at cluster scope; team entries leave it out and get namespaced RBAC instead. */
                accessPolicy: z
                    .enum(["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"])
                    .optional(),
                /** Declares a platform principal, the only kind production lets hold cluster-wide edit or admin. */
                platform: z.boolean().default(false),
                /** A team of network.namespaces[].team: the principal may work in that team's namespaces only. */
                team: z.string().optional(),
                /** Reads what the stack manages, never Secrets (the CI preview and drift role). */
                readAll: z.boolean().default(false),
                /**
                 * The role that runs `pulumi up` (CI's deploy role): its cluster admin is this entry,
                 * created before anything inside the cluster; EKS's own creator admin is turned off.
                 */
                deployer: z.boolean().default(false),
            }),
        )
        .default([]),
    tags: z.record(z.string(), z.string()).default({}),
});

const quantities = z.record(z.string(), z.union([z.string(), z.number()]));

/** Pod Security Admission levels, ResourceQuota and LimitRange of the managed namespaces. */
const tenancySchema = z.strictObject({
    /** PSA `enforce` level per kind of namespace (checks/tenancy.ts: baseline at least). */
    podSecurity: z.strictObject({ business: z.string(), tools: z.string() }),
    /** ResourceQuota `spec.hard` of every business namespace (e.g. requests.cpu: "8"). */
    quota: quantities.optional(),
    /** LimitRange of every business namespace: container defaults and maxima. */
    limitRange: z
        .strictObject({ default: quantities.optional(), defaultRequest: quantities.optional(), max: quantities.optional() })
        .optional(),
});

const calicoSchema = z.strictObject({
    /** Version of both Calico charts (crd.projectcalico.org.v1 and tigera-operator). */
    version: z.string(),
});

const gatewaySchema = z.strictObject({
    /** NGINX Gateway Fabric chart version (oci://ghcr.io/nginx/charts/nginx-gateway-fabric). */
    chartVersion: z.string(),
    /** Gateway API release whose standard-channel CRDs are installed (e.g. v1.3.0). */
    gatewayApiVersion: z.string(),
    /** Client ranges admitted to the gateway (the NLB preserves client addresses). */
    sourceCidrs: z.array(cidrEntry).min(1),
    /** Production: a client range covering every address must say so. */
    acknowledgeAnyAddress: z.boolean().default(false),
    /** An internal (VPC-only) load balancer instead of an internet-facing one. */
    internal: z.boolean().default(false),
    /** This update may replace the NLB (a scheme change: new DNS name); otherwise prod's preview gate refuses it. Remove after. */
    replaceLoadBalancer: z.boolean().default(false),
    /** HTTPS: one listener and certificate per hostname. Optional outside production. */
    tls: z
        .strictObject({
            /** The HTTPS listeners' hostnames (`shop.example.com`, `*.shop.example.com`): one certificate each. */
            hostnames: z.array(z.string()).default([]),
            /** Bring your own certificate: a kubernetes.io/tls Secret in tools, instead of cert-manager issuing. */
            certificateSecret: z.string().optional(),
            /** The ClusterIssuer: Let's Encrypt's staging or production ACME; default by `environment`. */
            issuer: z.enum(["letsencrypt-staging", "letsencrypt"]).optional(),
            /** The Route 53 hosted zone (ID) of the hostnames: DNS-01 challenges are written there, and only there. */
            hostedZoneId: z.string().optional(),
            /** That zone's domain (`shop.example.com`): every hostname lies in it, and gets an alias record to the gateway's NLB there. */
            zoneName: z.string().optional(),
            /** ACME account contact (optional for Let's Encrypt). */
            email: z.string().optional(),
        })
        .optional(),
    /** cert-manager chart version (https://charts.jetstack.io cert-manager). */
    certManager: z.strictObject({
        chartVersion: z.string(),
        /** Webhook pods (every Certificate write goes through it); default 2 in production, 1 elsewhere; a PDB from 2. */
        webhookReplicas: z.number().optional(),
    }),
    /** The shared Gateway's nginx pods: how many, how many a drain must leave, and how they leave the NLB. */
    dataPlane: z
        .strictObject({
            /** nginx replicas; default 2 in production, 1 elsewhere. */
            replicas: z.number().optional(),
            /** The PodDisruptionBudget's minAvailable; default replicas - 1 (no budget for one replica). */
            minAvailable: z.number().optional(),
            /** The NLB's deregistration delay (target group attribute; AWS's default is 300). */
            deregistrationDelaySeconds: z.number().default(30),
            /** How long a terminating pod keeps serving (preStop); default the deregistration delay + 10. */
            drainSeconds: z.number().optional(),
        })
        .default({ deregistrationDelaySeconds: 30 }),
    /** AWS Load Balancer Controller chart version (https://aws.github.io/eks-charts aws-load-balancer-controller). */
    loadBalancerController: z.strictObject({
        chartVersion: z.string(),
        /** The load balancer's subnets' ranges, needed with an existing VPC (the layout gives them otherwise). */
        subnetCidrs: z.array(z.string()).optional(),
        /** Inbound rules per security group in this account (AWS default 60; raise it before raising this). */
        securityGroupRuleQuota: z.number().int().min(1).default(60),
    }),
    /** Where the edge's controllers go outside the cluster, on 443: the ACME server and the AWS APIs. */
    egress: z.strictObject({
        acme: z.strictObject({ cidrs: z.array(cidrEntry).min(1), acknowledgeAnyAddress: z.boolean().default(false) }),
        awsApis: z.strictObject({ cidrs: z.array(cidrEntry).min(1), acknowledgeAnyAddress: z.boolean().default(false) }),
    }),
});

const networkSchema = z.strictObject({
    defaultDenyEgress: z.boolean(),
    appLabel: z.string().default("app"),
    webPorts: ports.min(1),
    namespaces: z.array(
        z.strictObject({
            name: z.string(),
            team: z.string(),
            apps: z.array(z.string()).min(1),
            webPorts: ports.min(1).optional(),
            /** Hostnames an HTTPRoute in this namespace may claim (admission policy; `*.shop.example` allowed). */
            hostnames: z.array(z.string()).default([]),
        }),
    ),
    flows: z.array(z.strictObject({ from: z.string(), to: z.string(), ports: ports.optional() })).default([]),
    cidrSources: z.array(z.strictObject({ name: z.string(), to: z.string(), ...addressRule })).default([]),
    /** Named places outside the cluster that workloads may reach. */
    egressDestinations: z.array(z.strictObject({ name: z.string(), ...addressRule })).default([]),
    /** Which apps (`ns/app`, `ns/*`) reach which destinations. */
    egress: z.array(z.strictObject({ from: oneOrMore, to: oneOrMore })).default([]),
    /** Egress every pod may need for AWS credentials; off by default. */
    podCredentials: z
        .strictObject({ podIdentityAgent: z.boolean().default(false), stsCidrs: z.array(z.string()).default([]) })
        .default({ podIdentityAgent: false, stsCidrs: [] }),
});

const promotionSchema = z.strictObject({
    /** The stack that must have run a policy set before this one applies it. */
    after: z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "expected organization/project/stack"),
    override: z.boolean().default(false),
    reason: z.string().optional(),
});

/** Every config key of the project, with its schema. */
export const configSchema = z.strictObject({
    /** `production` turns on the guardrails that protect a live environment. */
    environment: z.enum(["production", "non-production"]),
    /** The AWS account the stack lives in: every run (and the bootstrap) refuses credentials of another (config/checks/accounts.ts). */
    accountId: z
        // Pulumi hands config values over as text that the loader reads as JSON, so an unquoted
        // ID arrives as a number; an ID with a leading zero is no JSON number and stays text.
        .preprocess((v) => (typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v), z.string())
        .pipe(z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account ID"))
        .optional(),
    cluster: clusterSchema,
    calico: calicoSchema,
    tenancy: tenancySchema,
    gateway: gatewaySchema,
    network: networkSchema,
    /** Promotion gate: set on stacks that apply only what an earlier stack has run. */
    promotion: promotionSchema.optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
