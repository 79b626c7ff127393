"""The services drive each flow through the reference Viewflow stores on every process row
(``Process.flow_class``) instead of importing flows.py (which imports the services): the references
must name the flows."""

from viewflow.workflow.fields import get_flow_ref, import_flow_by_ref

from workflows.demand import models as demand_models
from workflows.demand.flows import DemandFlow
from workflows.node_application.flows import NodeApplicationFlow
from workflows.node_application.services import process as node_application_process


def test_each_reference_names_its_flow():
    for reference, flow_class in (
        (demand_models.FLOW_REF, DemandFlow),
        (node_application_process.FLOW_REF, NodeApplicationFlow),
    ):
        assert get_flow_ref(flow_class) == reference
        assert import_flow_by_ref(reference) is flow_class
