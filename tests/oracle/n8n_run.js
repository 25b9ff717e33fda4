// Runs an n8n workflow JSON with n8n's own engine (n8n-core WorkflowExecute + n8n-nodes-base)
// and prints {node: [items of its first output]} for every node that ran, and __stopped.
'use strict';
const fs = require('fs');
const path = require('path');
const { Workflow } = require('n8n-workflow');
const { WorkflowExecute, ExecutionLifecycleHooks } = require('n8n-core');

const base = path.dirname(require.resolve('n8n-nodes-base/package.json'));
const known = require(path.join(base, 'package.json')).n8n.nodes;
const classes = {};
for (const file of known) {
  const name = path.basename(file).replace(/\.node\.js$/, '');
  classes[name.toLowerCase()] = path.join(base, file);
}
const cache = {};
function load(type) {
  const short = type.replace(/^n8n-nodes-base\./, '').toLowerCase();
  if (cache[short]) return cache[short];
  const file = classes[short];
  if (!file) throw new Error(`unknown node type ${type}`);
  const mod = require(file);
  const Cls = Object.values(mod)[0];
  return (cache[short] = new Cls());
}
const nodeTypes = {
  getByName: (type) => load(type),
  getByNameAndVersion: (type, version) => {
    const node = load(type);
    return node.nodeVersions ? node.getNodeType(version) : node;
  },
  getKnownTypes: () => ({}),
};

async function main() {
  const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const workflow = new Workflow({
    id: '1', name: doc.name || 'w', nodes: doc.nodes, connections: doc.connections,
    active: false, nodeTypes, settings: doc.settings || {}, pinData: {},
  });
  // credentials by type and name, as a test workflow's testCredentials gives them
  const credentials = doc.testCredentials || {};
  const credentialsHelper = {
    getDecrypted: async (_data, chosen, type) => {
      const found = credentials[type]?.[chosen?.name];
      if (!found) throw new Error(`no ${type} credentials named ${chosen?.name}`);
      return found;
    },
    getCredentialsProperties: () => [],
    getParentTypes: () => [],
  };
  const hooks = new ExecutionLifecycleHooks('manual', '1', { id: '1', name: 'w', nodes: doc.nodes, connections: doc.connections, active: false, settings: {} });
  const additionalData = { hooks, executionId: '1', restApiUrl: '', instanceBaseUrl: '', webhookBaseUrl: '', webhookWaitingBaseUrl: '', webhookTestBaseUrl: '', currentNodeParameters: undefined, executionTimeoutTimestamp: undefined, userId: '1', variables: {}, logAiEvent: () => {}, credentialsHelper, executeWorkflow: subWorkflow, getRunExecutionData: async () => undefined, secretsHelpers: {}, startRunnerTask: async () => ({ ok: false, error: 'no runner' }) };
  // Execute Workflow, as n8n's CLI runs a sub-workflow: the child (by id: a JSON file beside
  // this one whose "id" it is; or its code) from its start node with the items, then the data
  // of its last node; its error thrown
  async function subWorkflow(info, data, options) {
    let child = info.code;
    if (!child) {
      const folder = path.dirname(process.argv[2]);
      const files = fs.readdirSync(folder).filter((f) => f.endsWith('.json'));
      child = files.map((f) => JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8'))).find((d) => String(d.id) === String(info.id));
      if (!child) throw new Error(`Workflow does not exist: ${info.id}`);
    }
    const wf = new Workflow({ id: String(child.id || '2'), name: child.name || 'child', nodes: child.nodes, connections: child.connections, active: false, nodeTypes, settings: child.settings || {}, pinData: {} });
    const start = wf.getStartNode();
    const runData = { startData: {}, resultData: { runData: {} }, executionData: { contextData: {}, metadata: {}, nodeExecutionStack: [{ node: start, data: { main: [options.inputData] }, source: null }], waitingExecution: {}, waitingExecutionSource: {} } };
    const childRun = await new WorkflowExecute(data, 'integrated', runData).processRunExecutionData(wf);
    const result = childRun.data.resultData;
    if (result.error) throw result.error;
    const runs = result.runData[result.lastNodeExecuted];
    return { data: runs[runs.length - 1].data.main, executionId: '2' };
  }
  const execute = new WorkflowExecute(additionalData, 'manual');
  const run = await execute.run(workflow);
  // {node: items of its first output} for every node that ran (also one that failed but let
  // the run go on: onError), of its last run (a node in a loop runs several times; a loop's
  // batches leave by its second output), and where the run stopped, if it did
  const out = {};
  for (const [name, runs] of Object.entries(run.data.resultData.runData)) {
    const last = runs[runs.length - 1];
    if (last.error && !last.data) {  // the node failed and the run stopped there
      out.__stopped = { node: name, message: last.error.message };
      continue;
    }
    const main = last.data?.main || [];
    const node = doc.nodes.find((n) => n.name === name);
    const loop = node?.type === 'n8n-nodes-base.splitInBatches' && (node.typeVersion ?? 3) >= 3;
    const shown = loop && (main[1] || []).length ? main[1] : main[0] || [];
    out[name] = shown.map((i) => ({ json: i.json }));
    if (runs.length > 1) out.__runs = { ...out.__runs, [name]: runs.length };
  }
  process.stdout.write(JSON.stringify(out, null, 1) + '\n', () => process.exit(0));
}
main().catch((e) => { console.error(e); process.exit(1); });
