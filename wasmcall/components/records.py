"""What the component side of the library returns: frozen records for renderers and scripts."""

from __future__ import annotations

from typing import Any, Optional

from msgspec import Struct

from wasmcall.components.types import FuncSignature
from wasmcall.components.wave import print_wave


class ComponentFunction(Struct, frozen=True):
    """A function in a component's world; ``name`` is how it is called (``iface#func`` inside an interface)."""

    name: str
    signature: FuncSignature


class WorldItem(Struct, frozen=True):
    """One import or export of a component's world.

    ``kind`` is ``func``, ``interface``, ``resource`` or another component item
    kind; an interface lists its functions (named ``func``, not ``iface#func``)
    and its resource types.
    """

    name: str
    kind: str
    functions: tuple[ComponentFunction, ...] = ()
    resources: tuple[str, ...] = ()

    @property
    def is_wasi(self) -> bool:
        return self.name.startswith("wasi:")


class ComponentReport(Struct, frozen=True):
    """What ``inspect`` finds in a component: its world's imports and exports."""

    module: str
    engine: str
    imports: tuple[WorldItem, ...]
    exports: tuple[WorldItem, ...]

    @property
    def wasi(self) -> bool:
        return any(item.is_wasi for item in self.imports)


class ComponentCallResult(Struct, frozen=True):
    """The outcome of one successful call of a component function.

    ``value`` is the lifted result as a WAVE value (see wave.py), None when the
    function has no result.
    """

    module: str
    export: str
    engine: str
    signature: FuncSignature
    value: Any
    elapsed_ms: float
    stdout: Optional[bytes] = None
    stderr: Optional[bytes] = None

    @property
    def wave(self) -> Optional[str]:
        """The result as WAVE text, None when the function returns nothing."""
        if self.signature.result is None:
            return None
        return print_wave(self.value, self.signature.result)
