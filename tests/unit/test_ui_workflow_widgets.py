"""Every parameter of every built-in workflow becomes a form widget, model inputs as the backend's dropdown."""

from __future__ import annotations

import gradio as gr
import pytest

from app.services import backend_models_service as backend_models
from app.services import workflow_form_service as forms
from app.ui.components.workflow_form import widget


@pytest.mark.parametrize("with_models", [True, False], ids=["backend-files", "backend-unreachable"])
def test_every_library_parameter_makes_an_interactive_widget(with_models: bool) -> None:
    made = 0
    for info in forms.library():
        for parameter in info.parameters:
            models = None
            if with_models and parameter.kind in backend_models.MODEL_KINDS:
                models = backend_models.ModelChoices(
                    folder="checkpoints", files=("a.safetensors", "b.safetensors"), value="a.safetensors"
                )
            component = widget(parameter, "wf", models, info.name)
            assert isinstance(component, gr.components.Component)
            assert component.interactive is True, f"{info.name}.{parameter.name} renders disabled"
            made += 1
    assert made > 20
