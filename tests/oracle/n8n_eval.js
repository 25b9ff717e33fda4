// Evaluates n8n expressions with n8n's own engine (n8n-workflow), as n8n does for a node parameter.
//   cd tests/oracle && npm install && node n8n_eval.js < cases.json > answers.json
// A case: {"expression": "={{ $json.a + 1 }}", "items": [{"json": {…}}, …], "index": 0,
//          "nodes": {"Start": [{"json": …}, …]}, "timezone": "UTC", "now": "2024-03-10T12:00:00Z"}
// The current node ("Current") reads the items, which came from "Start" (pairedItem i -> i).
// Each answer is {"value": …} ({"undefined": true} for undefined) or {"error": "message"}.
'use strict';
const fs = require('fs');
const { Settings } = require('luxon');
const { Workflow, Expression } = require('n8n-workflow');

const noTypes = {
  getByName: () => ({ description: { properties: [] } }),
  getByNameAndVersion: () => ({ description: { properties: [] } }),
  getKnownTypes: () => ({}),
};

function evaluate({ expression: text, items, index = 0, nodes = {}, timezone = 'UTC', now }) {
  Settings.now = () => (now ? Date.parse(now) : Date.now());
  const names = [...Object.keys(nodes), 'Current'];
  const workflow = new Workflow({
    id: '1',
    name: 'oracle',
    nodes: names.map((name) => ({ name, type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {}, position: [0, 0] })),
    connections: Object.fromEntries(Object.keys(nodes).map((name) => [name, { main: [[{ node: 'Current', type: 'main', index: 0 }]] }])),
    active: false,
    nodeTypes: noTypes,
    settings: { timezone },
  });
  const runData = {};
  for (const [name, out] of Object.entries(nodes)) {
    runData[name] = [{ startTime: 0, executionTime: 0, source: [], data: { main: [out] } }];
  }
  const input = items.map((item, i) => ({ pairedItem: { item: i }, ...item }));
  const first = Object.keys(nodes)[0];
  const executeData = {
    node: workflow.getNode('Current'),
    data: { main: [input] },
    source: first ? { main: [{ previousNode: first }] } : null,
  };
  try {
    const value = new Expression(workflow).getParameterValue(
      text, { resultData: { runData } }, 0, index, 'Current', input, 'manual', {}, executeData,
    );
    return value === undefined ? { value: { undefined: true } } : { value: JSON.parse(JSON.stringify(value) ?? 'null') };
  } catch (error) {
    return { error: String((error && error.message) || error) };
  }
}

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(cases.map(evaluate), null, 1) + '\n');
