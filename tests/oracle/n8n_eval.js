// Evaluates n8n expressions with n8n's own engine (n8n-workflow), as n8n does for a node parameter.
//   cd tests/oracle && npm install && node n8n_eval.js < cases.json > answers.json
// cases.json: [{"expression": "={{ $json.a + 1 }}", "json": {"a": 41}, "timezone": "UTC"}, ...]
// Each answer is {"value": …} ({"undefined": true} for undefined) or {"error": "message"}.
'use strict';
const fs = require('fs');
const { Workflow, Expression } = require('n8n-workflow');

const noTypes = {
  getByName: () => ({ description: { properties: [] } }),
  getByNameAndVersion: () => ({ description: { properties: [] } }),
  getKnownTypes: () => ({}),
};

function evaluate({ expression: text, json = {}, timezone = 'UTC' }) {
  const workflow = new Workflow({
    id: '1',
    name: 'oracle',
    nodes: [{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {}, position: [0, 0] }],
    connections: {},
    active: false,
    nodeTypes: noTypes,
    settings: { timezone },
  });
  const items = [{ json }];
  const runData = { Start: [{ startTime: 0, executionTime: 0, source: [], data: { main: [items] } }] };
  try {
    const value = new Expression(workflow).getParameterValue(
      text, { resultData: { runData } }, 0, 0, 'Start', items, 'manual', {},
    );
    return value === undefined ? { value: { undefined: true } } : { value };
  } catch (error) {
    return { error: String((error && error.message) || error) };
  }
}

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(cases.map(evaluate), null, 1) + '\n');
