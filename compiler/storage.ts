/**
 * The cluster's default StorageClass, pure: gp3 volumes of the EBS CSI driver, encrypted. gp3
 * rather than gp2: baseline 3,000 IOPS and 125 MiB/s whatever the size, at a lower price per GiB
 * (Amazon EBS User Guide, "Amazon EBS General Purpose SSD volumes"). Parameters are the driver's
 * (kubernetes-sigs/aws-ebs-csi-driver docs/parameters.md: `type`, `encrypted`; without `kmsKeyId`
 * the account's default EBS key encrypts).
 */

export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";
/** Marks the class PersistentVolumeClaims without a storageClassName get (Kubernetes storage-classes docs). */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

export interface StorageClass {
    readonly apiVersion: "storage.k8s.io/v1";
    readonly kind: "StorageClass";
    readonly metadata: {
        readonly name: string;
        readonly labels: Readonly<Record<string, string>>;
        readonly annotations: Readonly<Record<string, string>>;
    };
    readonly provisioner: string;
    readonly parameters: Readonly<Record<string, string>>;
    readonly reclaimPolicy: "Delete";
    /** The volume is created in the zone of the pod's node, not in a zone the pod cannot reach. */
    readonly volumeBindingMode: "WaitForFirstConsumer";
    readonly allowVolumeExpansion: true;
}

export function defaultStorageClass(labels: Readonly<Record<string, string>>): StorageClass {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "gp3", labels, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        provisioner: EBS_CSI_PROVISIONER,
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}
