/**
 * What the mocked engine answers for resources whose outputs the program reads: the values a
 * real deployment would return, shaped the same, clearly fake.
 */
export function mockOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "awsx:ec2:Vpc":
            return {
                vpcId: "vpc-0mock",
                privateSubnetIds: ["subnet-0private-a", "subnet-0private-b"],
                publicSubnetIds: ["subnet-0public-a", "subnet-0public-b"],
                isolatedSubnetIds: ["subnet-0control-plane-a", "subnet-0control-plane-b"],
            };
        case "eks:index:Cluster": {
            const clusterName = String(inputs["name"] ?? name);
            return {
                eksCluster: { name: clusterName, version: inputs["version"], vpcConfig: { clusterSecurityGroupId: "sg-0mockcluster" } },
                // pulumi-eks's own security group of the control plane's interfaces (not the nodes').
                clusterSecurityGroupId: "sg-0mockcontrolplane",
                kubeconfigJson: JSON.stringify(fakeKubeconfig(clusterName)),
            };
        }
        case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
            // What NGF writes once the load balancer controller has made the NLB (handler.go getGatewayAddressesForStatus).
            return {
                status: {
                    addresses: [{ type: "Hostname", value: "k8s-tools-sharedng-0mock-0123456789abcdef.elb.eu-west-1.amazonaws.com" }],
                },
            };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { latestVersion: 1 };
        case "aws:kms/key:Key":
        case "aws:iam/role:Role":
        case "aws:s3/bucket:Bucket":
            return { arn: `arn:aws:mock:::${name}`, name };
        default:
            return {};
    }
}

function fakeKubeconfig(clusterName: string): object {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: "https://mock.eks.amazonaws.com", "certificate-authority-data": "bW9jaw==" } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [{ name: clusterName, user: { token: "mock-token" } }],
    };
}

/**
 * What the mocked engine answers for the invokes the program makes: the NLB's canonical hosted
 * zone for the alias records (aws.lb.getHostedZoneId reads a table in the provider, no AWS call),
 * clearly fake.
 */
export function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (token) {
        case "aws:lb/getHostedZoneId:getHostedZoneId":
            return { id: "Z0MOCKNLBZONE", loadBalancerType: inputs["loadBalancerType"], region: inputs["region"] };
        default:
            return {};
    }
}
