// An example consumer: reads workflow-runner's outputs through the typed contract and configures a Temporal client.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readStackOutputs } from "../../contracts/stack-outputs";

const config = new pulumi.Config();
const runner = readStackOutputs(new pulumi.StackReference(config.require("sourceStack")));

// The client's view of the worker: where to start workflows, and which image serves them.
const settings = new k8s.core.v1.ConfigMap("workflow-runner-client", {
  metadata: { name: "workflow-runner-client", namespace: config.require("clientNamespace") },
  data: {
    TEMPORAL_NAMESPACE: runner.temporalNamespace,
    TEMPORAL_TASK_QUEUE: runner.temporalTaskQueue,
    WORKFLOW_RUNNER_IMAGE: runner.imageRef,
  },
});

/** The task queue the client starts workflows on. */
export const taskQueue = runner.temporalTaskQueue;
/** Name of the ConfigMap written. */
export const settingsName = settings.metadata.name;
