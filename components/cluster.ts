import * as pulumi from "@pulumi/pulumi";
import { platformKeyPolicy } from "../bootstrap/policies";
import { accountOf } from "../bootstrap/iamEvaluator";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { ClusterConfig } from "../config/schema";
import { subnetLayout } from "../compiler/subnets";
import { MANAGED_BY_LABELS } from "../compiler/generate";
import { AccessEntryConfig, eksAccessEntries, readAllRbac } from "../compiler/tenancy";
import { ADDON_VERSIONS } from "../config/kubernetes";
import { defaultStorageClass } from "../compiler/storage";
import { podIdentityRole } from "./podIdentity";
import { ClusterAccessProbe, defaultAccessProbe, kubeconfigAfterAccess } from "./clusterAccess";

export interface PlatformClusterArgs {
    /** Validated cluster settings of the stack; every prod/nonprod difference lives here. */
    readonly config: ClusterConfig;
    /**
     * How a `pulumi up` asks the cluster whether the deployer is admitted before the Kubernetes
     * provider's first call; by default `kubectl auth can-i`, and none under the test mocks.
     */
    readonly accessProbe?: ClusterAccessProbe;
}

/**
 * One EKS cluster ready for Calico: network, control plane, managed nodes, CoreDNS and a
 * Kubernetes provider built from the cluster's own kubeconfig.
 */
export class PlatformCluster extends pulumi.ComponentResource {
    /** Admin kubeconfig (JSON), always secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly vpcId: pulumi.Output<string>;
    /** Public subnets: the load balancers' (the gateway's NLB is placed there explicitly). */
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Provider for everything inside the cluster. */
    public readonly provider: k8s.Provider;
    /** What in-cluster workloads wait for: nodes to schedule on (and CoreDNS on them). */
    public readonly nodesReady: pulumi.Resource[];

    constructor(name: string, args: PlatformClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:cluster:PlatformCluster", name, {}, opts);
        const c = args.config;

        // Private subnets for nodes, public ones for internet-facing load balancers.
        const network = createNetwork(name, c, this);
        // Envelope encryption of Kubernetes secrets, where the environment asks for it.
        const secretsKey = c.secretsEncryption ? createSecretsKey(name, c, this) : undefined;
        // Control plane; nodes come from the managed node group below. EKS's own admin for the
        // creator is off: who administers the cluster is the access entries, and nobody else.
        const cluster = createControlPlane(name, c, network, secretsKey, this);
        // The deploy role's cluster admin, declared in config: the in-cluster resources wait for it.
        const deployerAccess = createDeployerAccess(name, c, cluster, this);
        // 443 on the cluster security group for the ranges that reach the private endpoint.
        createPrivateApiAccess(name, c, cluster, this);
        // The VPC CNI's own credentials, so the node role does without AmazonEKS_CNI_Policy.
        const cniIdentity = createCniIdentity(name, c, cluster, this);
        // Nodes with IMDSv2 only and a hop limit of 1, in private subnets; after the CNI's identity,
        // so aws-node starts with its own role.
        const nodeGroup = createNodeGroup(name, c, cluster, network, cniIdentity, this);
        // CoreDNS after the nodes: an add-on created before nodes sits DEGRADED for 20 minutes.
        const coredns = new aws.eks.Addon(
            `${name}-coredns`,
            {
                clusterName: cluster.eksCluster.name,
                addonName: "coredns",
                addonVersion: ADDON_VERSIONS[c.kubernetesVersion]?.coredns,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
            },
            { parent: this, dependsOn: [nodeGroup] },
        );
        // Provider from the cluster's kubeconfig, so in-cluster resources follow this cluster; the
        // kubeconfig waits for the deployer's access entry and policy, without which the API refuses
        // it, and in a `pulumi up` until the cluster admits the deployer (a bounded wait).
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: kubeconfigAfterAccess({
                    kubeconfig: cluster.kubeconfigJson,
                    clusterName: cluster.eksCluster.name,
                    principalArn: deployer(c).principalArn,
                    access: deployerAccess,
                    probe: args.accessProbe ?? defaultAccessProbe(),
                }),
                enableServerSideApply: true,
            },
            { parent: this },
        );
        // ANNOTATE_POD_IP needs aws-node to patch pods (Calico on EKS, amazon-vpc-cni-k8s README).
        const awsNodeRbac = allowAwsNodeToPatchPods(name, this, this.provider);
        // Reads what the stack manages, no Secrets, for the access entries with readAll (CI preview).
        createReadAllRbac(name, this, this.provider);
        // Volumes: the EBS CSI driver with its own role, and the default StorageClass (gp3, encrypted).
        createStorage(name, c, cluster, nodeGroup, this, this.provider);

        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.clusterName = cluster.eksCluster.name;
        this.vpcId = network.vpcId;
        this.publicSubnetIds = pulumi.output(network.publicSubnetIds);
        this.nodesReady = [nodeGroup, coredns, ...awsNodeRbac];
        this.registerOutputs({ kubeconfig: this.kubeconfig, clusterName: this.clusterName, vpcId: this.vpcId });
    }
}

interface Network {
    readonly vpcId: pulumi.Input<string>;
    /** Nodes and pods. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Load balancers and NAT gateways. */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The control plane's network interfaces only. */
    readonly controlPlaneSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The VPC with exactly the subnets of `subnetLayout`, the layout the network intent takes its
 * address ranges from: node subnets (pods have their addresses there), public subnets, and small
 * isolated subnets for the control plane, so that no pod can hold an API server address.
 */
function createNetwork(name: string, c: ClusterConfig, parent: pulumi.Resource): Network & { vpcId: pulumi.Output<string> } {
    if (c.vpc.existing) {
        return { ...c.vpc.existing, vpcId: pulumi.output(c.vpc.existing.vpcId) };
    }
    const layout = subnetLayout(c.vpc.cidr, c.vpc.availabilityZones);
    const vpc = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
            cidrBlock: c.vpc.cidr,
            numberOfAvailabilityZones: c.vpc.availabilityZones,
            natGateways: { strategy: c.vpc.natGateways },
            enableDnsHostnames: true,
            // Explicit ranges, in the layout's order; "Auto" allows the gaps between the tiers.
            subnetStrategy: "Auto",
            subnetSpecs: [
                // Tags tell the AWS load balancer integration where to place load balancers.
                { type: "Private", name: "nodes", cidrBlocks: [...layout.nodes], tags: { "kubernetes.io/role/internal-elb": "1" } },
                { type: "Public", name: "public", cidrBlocks: [...layout.public], tags: { "kubernetes.io/role/elb": "1" } },
                // No route to the internet: the control plane's ENIs need none.
                { type: "Isolated", name: "control-plane", cidrBlocks: [...layout.controlPlane] },
            ],
            tags: c.tags,
        },
        { parent },
    );
    return {
        vpcId: vpc.vpcId,
        privateSubnetIds: vpc.privateSubnetIds,
        publicSubnetIds: vpc.publicSubnetIds,
        controlPlaneSubnetIds: vpc.isolatedSubnetIds,
    };
}

/** The deployer's access entry (config/checks/cluster.ts requires exactly one). */
function deployer(c: ClusterConfig): ClusterConfig["accessEntries"][number] {
    const entry = c.accessEntries.find((e) => e.deployer);
    if (!entry) throw new Error("cluster.accessEntries: no deployer (the config check requires one)");
    return entry;
}

function deployerAccount(c: ClusterConfig): string {
    const account = accountOf(deployer(c).principalArn);
    if (!account) throw new Error(`cluster.accessEntries: the deployer ${deployer(c).principalArn} is no IAM ARN`);
    return account;
}

function createSecretsKey(name: string, c: ClusterConfig, parent: pulumi.Resource): aws.kms.Key {
    return new aws.kms.Key(
        `${name}-secrets`,
        {
            description: `Envelope encryption of Kubernetes secrets in ${c.name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            // Names the deploy role, which manages the key by this policy alone: no tag-based
            // grant, and so no wait for the owner tag to take effect after CreateKey.
            policy: JSON.stringify(platformKeyPolicy(deployerAccount(c), deployer(c).principalArn)),
            tags: c.tags,
        },
        // Losing this key makes every secret of the cluster unreadable.
        { parent, protect: c.protect },
    );
}

function createControlPlane(
    name: string,
    c: ClusterConfig,
    network: Network,
    secretsKey: aws.kms.Key | undefined,
    parent: pulumi.Resource,
): eks.Cluster {
    return new eks.Cluster(
        `${name}-eks`,
        {
            name: c.name,
            version: c.kubernetesVersion,
            vpcId: network.vpcId,
            // The control plane's ENIs go only where these say (EKS network requirements); nodes
            // get their subnets from the node group. pulumi-eks 4.3.0 would otherwise put the
            // ENIs in the public and private subnets together.
            subnetIds: network.controlPlaneSubnetIds,
            nodeAssociatePublicIpAddress: false,
            authenticationMode: "API",
            // Platform principals get their access policy; teams only groups that namespaced RBAC binds.
            // The deployer's entry is created apart (createDeployerAccess) so the provider can wait for it.
            accessEntries: eksAccessEntries(c.accessEntries.filter((e) => !e.deployer)) as Record<string, eks.types.input.AccessEntryArgs>,
            skipDefaultNodeGroup: true,
            endpointPrivateAccess: c.endpoint.privateAccess,
            endpointPublicAccess: c.endpoint.publicAccess,
            ...(c.endpoint.publicAccess && c.endpoint.publicAccessCidrs.length > 0
                ? { publicAccessCidrs: c.endpoint.publicAccessCidrs }
                : {}),
            enabledClusterLogTypes: c.logTypes,
            ...(secretsKey ? { encryptionConfigKeyArn: secretsKey.arn } : {}),
            deletionProtection: c.deletionProtection,
            // Calico enforces NetworkPolicy; the VPC CNI's own agent would enforce it a second time.
            // ANNOTATE_POD_IP lets Calico program a new pod's policy without waiting for the kubelet.
            vpcCniOptions: { enableNetworkPolicy: false, configurationValues: { env: { ANNOTATE_POD_IP: "true" } } },
            // Created by us after the node group instead (see PlatformCluster).
            corednsAddonOptions: { enabled: false },
            // kube-proxy at the version pinned for this Kubernetes version (config/kubernetes.ts).
            ...(ADDON_VERSIONS[c.kubernetesVersion]
                ? { kubeProxyAddonOptions: { version: ADDON_VERSIONS[c.kubernetesVersion]!.kubeProxy } }
                : {}),
            // Explicit: pulumi-eks and EKS default to EXTENDED, which bills extended support silently.
            upgradePolicy: { supportType: c.upgradePolicy },
            createOidcProvider: true,
            tags: c.tags,
        },
        {
            parent,
            protect: c.protect,
            transforms: [withoutCreatorAdmin, ...(c.permissionsBoundaryArn ? [withPermissionsBoundary(c.permissionsBoundaryArn)] : [])],
        },
    );
}

/**
 * pulumi-eks 4.3.0 hard-codes `bootstrapClusterCreatorAdminPermissions: true` on the EKS cluster
 * it creates (nodejs/eks/cluster/cluster.ts, createCore, `accessConfig`), which makes whoever
 * runs the first `pulumi up` cluster admin through an access entry no config shows. This
 * transform reaches that child of the remote component (transforms apply to the children of
 * packaged components; Pulumi docs, "Resource option: transforms") and turns it off. EKS reads
 * the field at creation only, and pulumi-eks ignores changes to it, so an existing cluster keeps
 * its creator entry until it is removed by hand (docs/security.md).
 */
export const withoutCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== "aws:eks/cluster:Cluster") return undefined;
    const accessConfig = (args.props["accessConfig"] ?? {}) as Record<string, unknown>;
    return {
        props: { ...args.props, accessConfig: { ...accessConfig, bootstrapClusterCreatorAdminPermissions: false } },
        opts: args.opts,
    };
};

/**
 * pulumi-eks 4.3.0 creates the control plane's IAM role itself and takes no permissions boundary
 * for it (nodejs/eks/cluster/cluster.ts, createCore: `new aws.iam.Role` for the service role);
 * this transform, like withoutCreatorAdmin, reaches that child and gives it the stack's boundary,
 * without which the bootstrap's deploy role may not create it.
 */
export function withPermissionsBoundary(arn: string): pulumi.ResourceTransform {
    return (args) =>
        args.type === "aws:iam/role:Role" ? { props: { ...args.props, permissionsBoundary: arn }, opts: args.opts } : undefined;
}

/**
 * The deployer's access entry and its cluster admin policy (config: the entry with
 * `deployer: true`), as resources of their own rather than inside eks.Cluster, so that the
 * Kubernetes provider can wait for them: with the creator admin off, nothing else lets the update
 * into the cluster it has just created.
 */
function createDeployerAccess(name: string, c: ClusterConfig, cluster: eks.Cluster, parent: pulumi.Resource): pulumi.Resource[] {
    const deployer = c.accessEntries.find((e) => e.deployer) as AccessEntryConfig;
    const [entry] = Object.values(eksAccessEntries([deployer]));
    const accessEntry = new aws.eks.AccessEntry(
        `${name}-access-${deployer.name}`,
        { clusterName: cluster.eksCluster.name, principalArn: entry!.principalArn, type: "STANDARD", tags: c.tags },
        { parent },
    );
    const policies = Object.values(entry!.accessPolicies ?? {}).map(
        (p) =>
            new aws.eks.AccessPolicyAssociation(
                `${name}-access-${deployer.name}-${p.policyArn.split("/").pop()}`,
                {
                    clusterName: cluster.eksCluster.name,
                    principalArn: entry!.principalArn,
                    policyArn: p.policyArn,
                    accessScope: { ...p.accessScope },
                },
                { parent, dependsOn: [accessEntry] },
            ),
    );
    return [accessEntry, ...policies];
}

/**
 * The private endpoint admits what the cluster security group admits (EKS User Guide, "Cluster
 * API server endpoint": with private access, "you must ensure that your Amazon EKS control plane
 * security group contains rules to allow ingress traffic on port 443 from your connected
 * network"). One rule per configured range, named by the range.
 */
function createPrivateApiAccess(name: string, c: ClusterConfig, cluster: eks.Cluster, parent: pulumi.Resource): void {
    for (const cidr of c.endpoint.privateAccessCidrs) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-api-from-${cidr.replace(/[./]/g, "-")}`,
            {
                // pulumi-eks's own cluster security group (eks.Cluster clusterSecurityGroupId, 4.3.0:
                // "the security group for the EKS cluster" it creates and attaches to the control
                // plane's network interfaces only), not EKS's cluster security group
                // (vpcConfig.clusterSecurityGroupId), which EKS also puts on managed nodes, and so on
                // every pod's interface under the VPC CNI: these ranges reach the API, nothing else.
                securityGroupId: cluster.clusterSecurityGroupId,
                cidrIpv4: cidr,
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                description: `Kubernetes API from ${cidr} (cluster.endpoint.privateAccessCidrs)`,
                tags: c.tags,
            },
            { parent },
        );
    }
}

/**
 * EKS Pod Identity for the VPC CNI: a role holding AmazonEKS_CNI_Policy, associated with the
 * `aws-node` service account in kube-system, and the Pod Identity agent that hands its credentials
 * out. AWS recommends a separate role for the CNI so that pods do not share its permissions through
 * the node role (EKS user guide, "Configure Amazon VPC CNI plugin to use IRSA"). Pod Identity
 * rather than IRSA: see podIdentityRole.
 */
function createCniIdentity(name: string, c: ClusterConfig, cluster: eks.Cluster, parent: pulumi.Resource): pulumi.Resource[] {
    const cni = podIdentityRole(
        `${name}-vpc-cni`,
        {
            clusterName: cluster.eksCluster.name,
            namespace: "kube-system",
            serviceAccount: "aws-node",
            managedPolicies: ["AmazonEKS_CNI_Policy"],
            permissionsBoundary: c.permissionsBoundaryArn,
            tags: c.tags,
        },
        parent,
    );
    // A DaemonSet with no nodes yet is healthy, so the agent can come before the node group.
    const agent = new aws.eks.Addon(
        `${name}-pod-identity-agent`,
        { clusterName: cluster.eksCluster.name, addonName: "eks-pod-identity-agent", resolveConflictsOnCreate: "OVERWRITE" },
        { parent },
    );
    return [...cni.ready, agent];
}

function createNodeGroup(
    name: string,
    c: ClusterConfig,
    cluster: eks.Cluster,
    network: Network,
    cniIdentity: pulumi.Resource[],
    parent: pulumi.Resource,
): eks.ManagedNodeGroup {
    const role = new aws.iam.Role(
        `${name}-nodes`,
        {
            assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
            permissionsBoundary: c.permissionsBoundaryArn,
            tags: c.tags,
        },
        { parent },
    );
    // No AmazonEKS_CNI_Policy: the VPC CNI has its own role (createCniIdentity).
    const attachments = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"].map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(
                `${name}-nodes-${policy}`,
                { role: role.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
                { parent },
            ),
    );
    // Tokens required (IMDSv2) and a hop limit of 1: the token's response cannot cross the extra hop
    // into a pod's network namespace, so pods cannot read the node role's credentials (EKS best
    // practices guide, "Restrict access to the instance profile assigned to the worker node").
    // Pods on the host network (aws-node, kube-proxy, the Pod Identity agent) still reach IMDS.
    const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-nodes`,
        {
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: c.nodeGroup.metadataHopLimit },
            blockDeviceMappings: [
                { deviceName: "/dev/xvda", ebs: { volumeSize: c.nodeGroup.diskSizeGiB, volumeType: "gp3", encrypted: "true" } },
            ],
            tagSpecifications: [{ resourceType: "instance", tags: c.tags }],
        },
        { parent },
    );
    return new eks.ManagedNodeGroup(
        `${name}-nodes`,
        {
            cluster,
            nodeRole: role,
            subnetIds: network.privateSubnetIds,
            // The control plane's version: after an upgrade, the nodes follow (EKS upgrades one minor at a time).
            version: c.kubernetesVersion,
            instanceTypes: c.nodeGroup.instanceTypes,
            capacityType: c.nodeGroup.capacityType,
            scalingConfig: { minSize: c.nodeGroup.minSize, desiredSize: c.nodeGroup.desiredSize, maxSize: c.nodeGroup.maxSize },
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            tags: c.tags,
        },
        { parent, dependsOn: [...attachments, ...cniIdentity] },
    );
}

function allowAwsNodeToPatchPods(name: string, parent: pulumi.Resource, provider: k8s.Provider): pulumi.Resource[] {
    const role = new k8s.rbac.v1.ClusterRole(
        `${name}-aws-node-patch-pods`,
        {
            metadata: { name: "aws-node-patch-pods" },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["patch"] }],
        },
        { parent, provider },
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-aws-node-patch-pods`,
        {
            metadata: { name: "aws-node-patch-pods" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "aws-node-patch-pods" },
            subjects: [{ kind: "ServiceAccount", name: "aws-node", namespace: "kube-system" }],
        },
        { parent, provider, dependsOn: [role] },
    );
    return [role, binding];
}

function createReadAllRbac(name: string, parent: pulumi.Resource, provider: k8s.Provider): pulumi.Resource[] {
    const { role, binding } = readAllRbac(MANAGED_BY_LABELS);
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-read-all`,
        { metadata: role.metadata, rules: role.rules as k8s.types.input.rbac.v1.PolicyRule[] },
        { parent, provider },
    );
    const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-read-all`,
        { metadata: binding.metadata, roleRef: binding.roleRef, subjects: [...binding.subjects] },
        { parent, provider, dependsOn: [clusterRole] },
    );
    return [clusterRole, clusterRoleBinding];
}

/**
 * The EBS CSI driver as an EKS add-on, with its own role through Pod Identity for the controller's
 * service account (`kube-system/ebs-csi-controller-sa`, the add-on's; EKS User Guide, "Use
 * Kubernetes volume storage with Amazon EBS") holding AmazonEBSCSIDriverPolicy, and the default
 * StorageClass of compiler/storage.ts: without them a PersistentVolumeClaim stays Pending (since
 * Kubernetes 1.30 EKS marks no StorageClass default; EKS User Guide, Kubernetes 1.30 release notes).
 */
function createStorage(
    name: string,
    c: ClusterConfig,
    cluster: eks.Cluster,
    nodeGroup: pulumi.Resource,
    parent: pulumi.Resource,
    provider: k8s.Provider,
): void {
    const identity = podIdentityRole(
        `${name}-ebs-csi`,
        {
            clusterName: cluster.eksCluster.name,
            namespace: "kube-system",
            serviceAccount: "ebs-csi-controller-sa",
            managedPolicies: ["service-role/AmazonEBSCSIDriverPolicy"],
            permissionsBoundary: c.permissionsBoundaryArn,
            tags: c.tags,
        },
        parent,
    );
    // After the nodes (an add-on created before nodes sits DEGRADED) and the identity (a controller
    // started earlier has no credentials until restarted).
    new aws.eks.Addon(
        `${name}-ebs-csi`,
        {
            clusterName: cluster.eksCluster.name,
            addonName: "aws-ebs-csi-driver",
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: c.tags,
        },
        { parent, dependsOn: [nodeGroup, ...identity.ready] },
    );
    const sc = defaultStorageClass(MANAGED_BY_LABELS);
    new k8s.storage.v1.StorageClass(`${name}-${sc.metadata.name}`, { ...sc }, { parent, provider });
}
