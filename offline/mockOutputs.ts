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
