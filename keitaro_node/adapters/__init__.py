"""Workflow-engine adapters, each an optional extra imported only when used:

- ``keitaro_node.adapters.prefect`` — ``pip install 'keitaro-node[prefect]'``
- ``keitaro_node.adapters.airflow`` — ``pip install 'keitaro-node[airflow]'``
- ``keitaro_node.adapters.dagster`` — ``pip install 'keitaro-node[dagster]'``
"""
