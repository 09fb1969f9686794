#!/usr/bin/env python3
"""Generates the gRPC stubs of recsys.v1 into recsys_client/_gen (gitignored).

Run once after a checkout, and again whenever proto/ changes:

    python3 generate.py

It uses grpc_tools.protoc (Debian: python3-grpc-tools; pip: grpcio-tools) on the repository's
own protos, so the client always speaks the server's schema. protoc writes absolute imports
(``from recsys.v1 import feedback_pb2``); they are rewritten to point inside this package so
that nothing has to be added to sys.path.
"""
import pathlib
import re
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto" / "src" / "main" / "protobuf"
OUT = HERE / "recsys_client" / "_gen"
PROTOS = ["recommender", "feedback", "catalog", "admin"]


def main() -> int:
    try:
        from grpc_tools import protoc
    except ImportError:
        print("error: grpc_tools is missing (Debian: apt-get install python3-grpc-tools)", file=sys.stderr)
        return 2
    if not PROTO_ROOT.is_dir():
        print(f"error: no protos at {PROTO_ROOT}", file=sys.stderr)
        return 2
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # protoc ships the well-known types (google/protobuf/timestamp.proto) inside grpc_tools.
    well_known = pathlib.Path(protoc.__file__).resolve().parent / "_proto"
    args = ["protoc", f"-I{PROTO_ROOT}", f"--python_out={OUT}", f"--grpc_python_out={OUT}"]
    if well_known.is_dir():
        args.append(f"-I{well_known}")
    args += [f"recsys/v1/{name}.proto" for name in PROTOS]
    if protoc.main(args) != 0:
        print("error: protoc failed", file=sys.stderr)
        return 1
    for package in (OUT, OUT / "recsys", OUT / "recsys" / "v1"):
        (package / "__init__.py").touch()
    for module in (OUT / "recsys" / "v1").glob("*.py"):
        source = module.read_text()
        rewritten = re.sub(r"^from recsys\.v1 import", "from recsys_client._gen.recsys.v1 import", source, flags=re.M)
        module.write_text(rewritten)
    print(f"generated {len(PROTOS)} protos into {OUT.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
