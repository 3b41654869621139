"""Component-model guests: call WIT-typed exports with WAVE values, on wasmtime.

The surface the rest of wasmcall plugs in (each name lives in the module shown):

- ``detect.is_component(source)`` / ``detect.is_component_file(path)``: a component, by its header?
- ``session.ComponentSession(label, source, limits, wasi, stub_imports)``: ``.call(export,
  arguments, values) -> ComponentCallResult``, ``.report()``, ``.close()``, a context manager;
  ``session.call_component(...)`` and ``session.inspect_component(...)`` are one-shot forms;
- ``wave.parse_wave`` / ``wave.print_wave``, ``json_values.json_value``, ``wit.world_text``;
- ``render.show_component_result`` / ``render.show_component_report`` and
  ``expect.check_component_expectations`` for the CLI.

Only ``detect`` is light; the other modules are imported when a component is
actually met, and import wasmtime lazily themselves.
"""

from wasmcall.components.detect import is_component, is_component_file

__all__ = ["is_component", "is_component_file"]
