"""Declaring and serializing 1,000 pod tasks (3-container spec): taskplug against flytekit.

flytekit 1.16 + flytekitplugins-pod against taskplug + taskplug-k8s-pod, in one process. A module
of 1,000 distinct functions is generated and imported; each side then, per function, declares a
task with a pod template whose spec has three containers (the primary with a volume mount and
an env var, an Envoy sidecar with ports and resources, a log shipper) plus an init container,
a volume, a node selector and a toleration, and builds and encodes its template. flytekit gets
the spec as ``kubernetes`` client models (the only form it takes); taskplug is timed twice, with
the same client models and with the same spec as plain dicts. Two scenarios: a spec of its own
per task (built before the clock starts: that is the user's code; every fourth task uses the
legacy ``Pod`` task config), and one ``PodTemplate`` object shared by all tasks (how templates
are usually written; taskplug reads a template object once).
Best of ``--repeat`` rounds of process CPU time (``--wall`` for wall-clock time); the target is
taskplug at least 10x faster per task.

    python benchmarks/bench_pod.py [--tasks 1000] [--repeat 5] [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import tempfile
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from _common import print_table, verdict
from bench_declare_serialize import generate_module

#: CPU time of this process: the work itself, not the time other processes on a shared machine
#: keep this one waiting (both sides are measured the same way, interleaved, best of N).
CLOCK = time.process_time


def spec_models(k8s: Any, i: int) -> Any:
    return k8s.V1PodSpec(
        containers=[
            k8s.V1Container(
                name="primary",
                env=[k8s.V1EnvVar(name="SHARD", value=str(i))],
                volume_mounts=[k8s.V1VolumeMount(name="scratch", mount_path="/scratch")],
            ),
            k8s.V1Container(
                name="proxy",
                image="envoyproxy/envoy:v1.30.1",
                ports=[k8s.V1ContainerPort(container_port=9901, name="admin")],
                resources=k8s.V1ResourceRequirements(
                    requests={"cpu": "100m", "memory": "64Mi"}, limits={"memory": "128Mi"}
                ),
            ),
            k8s.V1Container(
                name="logs",
                image="fluent/fluent-bit:3.0",
                args=["-c", "/fluent-bit/etc/fluent-bit.conf"],
                volume_mounts=[k8s.V1VolumeMount(name="scratch", mount_path="/logs")],
            ),
        ],
        init_containers=[k8s.V1Container(name="fetch", image="busybox:1.36", command=["true"])],
        volumes=[k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource())],
        node_selector={"pool": "batch"},
        tolerations=[k8s.V1Toleration(key="batch", operator="Exists", effect="NoSchedule")],
    )


def spec_dict(i: int) -> dict[str, Any]:
    return {
        "containers": [
            {
                "name": "primary",
                "env": [{"name": "SHARD", "value": str(i)}],
                "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
            },
            {
                "name": "proxy",
                "image": "envoyproxy/envoy:v1.30.1",
                "ports": [{"containerPort": 9901, "name": "admin"}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi"},
                },
            },
            {
                "name": "logs",
                "image": "fluent/fluent-bit:3.0",
                "args": ["-c", "/fluent-bit/etc/fluent-bit.conf"],
                "volumeMounts": [{"name": "scratch", "mountPath": "/logs"}],
            },
        ],
        "initContainers": [{"name": "fetch", "image": "busybox:1.36", "command": ["true"]}],
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "nodeSelector": {"pool": "batch"},
        "tolerations": [{"key": "batch", "operator": "Exists", "effect": "NoSchedule"}],
    }


def time_side(
    fns: list[Callable[..., Any]],
    configs: list[dict[str, Any]],
    decorate: Callable[..., Any],
    build: Callable[[Any], bytes],
) -> tuple[float, float]:
    """Seconds to declare all tasks, and to build and encode their templates."""
    gc.collect()  # each side starts from the same, settled heap
    gc.freeze()
    t0 = CLOCK()
    tasks = [decorate(fn, kw) for fn, kw in zip(fns, configs)]
    t1 = CLOCK()
    for t in tasks:
        build(t)
    t2 = CLOCK()
    gc.unfreeze()
    return t1 - t0, t2 - t1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 tasks, 2 rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile taskplug's dict side")
    parser.add_argument("--wall", action="store_true", help="wall-clock time, not CPU time")
    args = parser.parse_args()
    if args.wall:
        global CLOCK
        CLOCK = time.perf_counter
    if args.quick:
        args.tasks, args.repeat = 200, 2
    warnings.simplefilter("ignore")
    try:
        import flytekit
        import kubernetes.client as k8s
        from flytekit.configuration import ImageConfig as FkImageConfig
        from flytekit.configuration import SerializationSettings as FkSettings
        from flytekit.tools.translator import get_serializable_task
        from flytekitplugins.pod import Pod as FkPod
    except ImportError as exc:
        print(f"flytekit + flytekitplugins-pod are not importable here: {exc}", file=sys.stderr)
        return 2
    import taskplug
    from taskplug.serialization import serialize
    from taskplug.settings import ImageConfig, SerializationSettings
    from taskplug_k8s_pod import Pod

    n = args.tasks
    tmp = tempfile.mkdtemp(prefix="taskplug-bench-pod-")
    sys.path.insert(0, tmp)
    rounds = []
    for r in range(args.repeat + 1):  # round 0 warms both sides up
        source, _ = generate_module(n, seed=100 + r)
        with open(os.path.join(tmp, f"bench_pod_tasks_{r}.py"), "w", encoding="utf-8") as fh:
            fh.write(source)
        mod = importlib.import_module(f"bench_pod_tasks_{r}")
        rounds.append([getattr(mod, f"fn_{i}") for i in range(n)])

    fk_settings = FkSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=FkImageConfig.from_images("ghcr.io/acme/app:1"),
    )
    tp_settings = SerializationSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=ImageConfig.from_images("ghcr.io/acme/app:1"),
    )

    def legacy(i: int) -> bool:
        return i % 4 == 3

    def fk_configs(shared: bool) -> list[dict[str, Any]]:
        if shared:
            one = {
                "pod_template": flytekit.PodTemplate(
                    pod_spec=spec_models(k8s, 0), labels={"a": "b"}
                )
            }
            return [one] * n
        out = []
        for i in range(n):
            spec = spec_models(k8s, i)
            if legacy(i):
                out.append({"task_config": FkPod(pod_spec=spec)})
            else:
                out.append(
                    {"pod_template": flytekit.PodTemplate(pod_spec=spec, labels={"i": str(i)})}
                )
        return out

    def tp_configs(make_spec: Callable[[int], Any], shared: bool) -> list[dict[str, Any]]:
        if shared:
            one = {"pod_template": taskplug.PodTemplate(pod_spec=make_spec(0), labels={"a": "b"})}
            return [one] * n
        out = []
        for i in range(n):
            spec = make_spec(i)
            if legacy(i):
                out.append({"task_config": Pod(pod_spec=spec)})
            else:
                out.append(
                    {"pod_template": taskplug.PodTemplate(pod_spec=spec, labels={"i": str(i)})}
                )
        return out

    def fk_decorate(fn: Callable[..., Any], kw: dict[str, Any]) -> Any:
        return flytekit.task(**kw)(fn)

    def fk_build(t: Any) -> bytes:
        spec = get_serializable_task(OrderedDict(), fk_settings, t)
        data: bytes = spec.template.to_flyte_idl().SerializeToString()
        return data

    def tp_decorate(fn: Callable[..., Any], kw: dict[str, Any]) -> Any:
        return taskplug.task(**kw)(fn)

    def tp_build(t: Any) -> bytes:
        data: bytes = serialize(t, tp_settings).SerializeToString()
        return data

    def models(i: int) -> Any:
        return spec_models(k8s, i)

    scenarios = {
        "a spec per task": False,
        "one shared template": True,
    }
    sides = {
        "flytekit (kubernetes models)": (fk_configs, fk_decorate, fk_build),
        "taskplug (kubernetes models)": (lambda sh: tp_configs(models, sh), tp_decorate, tp_build),
        "taskplug (plain dicts)": (lambda sh: tp_configs(spec_dict, sh), tp_decorate, tp_build),
    }
    best: dict[tuple[str, str], list[float]] = {
        (sc, name): [float("inf")] * 2 for sc in scenarios for name in sides
    }
    for r, fns in enumerate(rounds):
        for sc, shared in scenarios.items():
            for name, (configs, decorate, build) in sides.items():
                timing = time_side(fns, configs(shared), decorate, build)
                if r:  # round 0 is the warm-up
                    best[(sc, name)] = [min(a, b) for a, b in zip(best[(sc, name)], timing)]

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        configs = tp_configs(spec_dict, False)
        gc.collect()
        gc.freeze()
        prof.enable()
        time_side(rounds[-1], configs, tp_decorate, tp_build)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)

    fk_name = "flytekit (kubernetes models)"
    rows = []
    for sc in scenarios:
        fk_total = sum(best[(sc, fk_name)])
        for name in sides:
            declare_s, build_s = best[(sc, name)]
            total = declare_s + build_s
            ratio = fk_total / total
            is_fk = name == fk_name
            rows.append(
                (
                    sc,
                    name,
                    f"{declare_s * 1000 / n:.4f} ms",
                    f"{build_s * 1000 / n:.4f} ms",
                    f"{total * 1000 / n:.4f} ms",
                    "1.0x" if is_fk else f"{ratio:.1f}x",
                    "" if is_fk else verdict(ratio >= 10) + " (>= 10x)",
                )
            )
    print_table(
        f"declare + serialize {n} pod tasks, 3-container spec (best of {args.repeat} rounds, "
        f"{'wall' if args.wall else 'CPU'} time per task; flytekit {flytekit.__version__}, "
        f"taskplug {taskplug.__version__})",
        rows,
        ("scenario", "side", "declare", "serialize + encode", "total", "vs flytekit", "target"),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
