"""``kubernetes`` stays out: importing taskplug or the plugin, loading plugins, dict pod tasks.

Each check runs in a fresh interpreter, so nothing imported by other tests counts.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from taskplug.testing import check_import_budget


def run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_taskplug_and_the_plugin_load_no_kubernetes() -> None:
    out = run(
        """
        import sys
        import taskplug, taskplug_k8s_pod
        from taskplug import PodTemplate
        from taskplug_k8s_pod import Pod, PodSpecError
        from taskplug.plugin import get_plugin_manager
        pm = get_plugin_manager()
        assert pm.infos["k8s-pod"].status == "loaded", pm.infos["k8s-pod"]
        pm.task_types  # every plugin's task types registered
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "yaml")))
        """
    )
    assert out.strip() == "[]"


def test_declaring_and_serializing_a_dict_pod_task_loads_no_kubernetes() -> None:
    out = run(
        """
        import sys
        from taskplug import PodTemplate, Resources, task
        from taskplug.serialization import serialize
        from taskplug.settings import SerializationSettings

        @task(requests=Resources(cpu="1"), pod_template=PodTemplate(
            pod_spec={"containers": [{"name": "primary"}, {"name": "side", "image": "b:1"}]}))
        def f(a: int) -> int:
            return a

        tt = serialize(f, SerializationSettings.for_tests())
        assert tt.HasField("k8s_pod")
        print("kubernetes" in sys.modules)
        """
    )
    assert out.strip() == "False"


def test_the_plugin_fits_the_test_kits_import_budget() -> None:
    for module in ("taskplug_k8s_pod", "taskplug_k8s_pod.plugin"):
        cost = check_import_budget(module, max_new_modules=10)
        assert not any(m.startswith(("kubernetes", "yaml")) for m in cost.new_modules)


def test_loading_the_plugin_imports_none_of_the_pod_machinery() -> None:
    """What loading the plugin imports (a count of modules, not a time: CI shares its cores)."""
    out = run(
        """
        import sys
        before = set(sys.modules)
        import taskplug_k8s_pod.plugin
        new = sorted(m for m in set(sys.modules) - before if not m.startswith("taskplug."))
        print(new)
        print(sorted(m for m in sys.modules if m.startswith("taskplug_k8s_pod")))
        """
    )
    third_party, own = out.strip().splitlines()
    assert eval(own) == ["taskplug_k8s_pod", "taskplug_k8s_pod.plugin"]
    assert not any(
        m.split(".")[0] in {"kubernetes", "yaml", "flyteidl", "google", "click"}
        for m in eval(third_party)
    ), third_party


def test_kubernetes_models_are_accepted_when_the_user_has_them() -> None:
    pytest.importorskip("kubernetes.client", reason="needs the kubernetes client")
    out = run(
        """
        from kubernetes.client import V1Container, V1PodSpec
        from taskplug import PodTemplate, task
        from taskplug.serialization import serialize
        from taskplug.settings import SerializationSettings

        @task(pod_template=PodTemplate(pod_spec=V1PodSpec(containers=[V1Container(name="primary")])))
        def f(a: int) -> int:
            return a

        print(serialize(f, SerializationSettings.for_tests()).k8s_pod.pod_spec["containers"][0]["name"])
        """
    )
    assert out.strip() == "primary"
