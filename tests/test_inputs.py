"""The sample sheet's syntax, and the readers on every pixel layout and format: files written here
by tifffile, bioio's writers and pylibCZIrw, and the real Zeiss CZI of the shared data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
import yaml

from conftest import REPO, read_movie, write_sheet
from nucleocyto.config import ChannelSource, channel_sources, load_sample_sheet, sample_columns
from nucleocyto.errors import InputError
from nucleocyto.filenames import naturally_sorted
from nucleocyto.io import readers, tiff
from nucleocyto.io.sources import FrameReader, describe_sample
from nucleocyto.steps import ingest

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "samples.schema.yaml").read_text())
REAL_CZI = REPO.parent / "shared" / "data" / "formats" / "xyz__multiple_images.czi"


@pytest.fixture
def movie():
    rng = np.random.default_rng(5)
    return rng.integers(0, 4000, (5, 2, 12, 14)).astype(np.uint16)  # T, C, Y, X


@pytest.fixture
def pair(tmp_path, movie):
    """A POI and a nucleus TIFF in tmp_path/movies; their sheet columns."""
    (tmp_path / "movies").mkdir()
    for c, name in enumerate(("poi", "nucleus")):
        tifffile.imwrite(tmp_path / "movies" / f"{name}.tif", movie[:, c])
    return {"poi": str(tmp_path / "movies" / "poi.tif"), "nucleus": str(tmp_path / "movies" / "nucleus.tif")}


def load(path: Path):
    return load_sample_sheet(path, SCHEMA)


# --- the sample sheet ---------------------------------------------------------------------------


def test_the_schema_is_the_list_of_columns(tmp_path, pair):
    """A column the schema gains is accepted and typed, with no other change."""
    sheet = write_sheet(tmp_path / "s.tsv", [{"sample": "a", **pair, "plate_row": "2"}])
    with pytest.raises(InputError, match="unknown column 'plate_row'"):
        load(sheet)
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "plate_row": {"type": "integer"}}}
    assert load_sample_sheet(sheet, schema)["plate_row"].tolist() == [2]
    assert list(sample_columns(SCHEMA))[:3] == ["sample", "condition", "poi"]


def test_a_misspelt_column_is_an_error_with_a_hint(tmp_path, pair):
    sheet = write_sheet(tmp_path / "s.tsv", [{"sample": "a", **pair, "pixel_size": "0.2"}])
    with pytest.raises(InputError) as error:
        load(sheet)
    assert str(error.value).startswith(
        f"sample sheet {sheet}: unknown column 'pixel_size' (did you mean 'pixel_size_um'?)"
    )


def test_a_duplicate_column_is_an_error(tmp_path, pair):
    sheet = tmp_path / "s.tsv"
    sheet.write_text(f"sample\tpoi\tnucleus\tpoi\na\t{pair['poi']}\t{pair['nucleus']}\t{pair['poi']}\n")
    with pytest.raises(InputError, match=f"^sample sheet {sheet}: column 'poi' appears more than once.$"):
        load(sheet)


def test_na_none_and_null_stay_text(tmp_path, pair):
    rows = [{"sample": name, "condition": cond, **pair} for name, cond in (("NA", "None"), ("null", "NA"), ("x", ""))]
    sheet = load(write_sheet(tmp_path / "s.tsv", rows))
    assert sheet.index.tolist() == ["NA", "null", "x"]
    assert sheet["condition"].tolist() == ["None", "NA", None]


def test_hash_in_a_path_is_part_of_it_and_comment_lines_are_skipped(tmp_path, movie):
    folder = tmp_path / "run #2"
    folder.mkdir()
    for c, name in enumerate(("poi", "nucleus")):
        tifffile.imwrite(folder / f"{name}.tif", movie[:, c])
    sheet = tmp_path / "s.tsv"
    sheet.write_text(f"# my movies\nsample\tpoi\tnucleus\na\t{folder}/poi.tif\t{folder}/nucleus.tif\n")
    assert load(sheet)["poi"]["a"] == f"{folder}/poi.tif"


def test_a_csv_sheet_is_read_as_csv(tmp_path, pair):
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,poi,nucleus,frame_interval_s\na,{pair['poi']},{pair['nucleus']},30\n")
    assert load(sheet)["frame_interval_s"]["a"] == 30.0


def test_commas_in_a_tsv_sheet_are_refused(tmp_path, pair):
    sheet = tmp_path / "s.tsv"
    sheet.write_text(f"sample,poi,nucleus\na,{pair['poi']},{pair['nucleus']}\n")
    with pytest.raises(InputError) as error:
        load(sheet)
    assert str(error.value) == (
        f"sample sheet {sheet}: the columns are separated by commas, not tabs; save it tab-separated, "
        "or name it .csv to have it read as comma-separated."
    )


def test_a_row_longer_than_the_header_is_an_error(tmp_path, pair):
    sheet = tmp_path / "s.tsv"
    sheet.write_text(f"sample\tpoi\tnucleus\na\t{pair['poi']}\t{pair['nucleus']}\textra\n")
    with pytest.raises(InputError, match="data line 2 has 4 cells but the header has 3"):
        load(sheet)


def write_series(folder: Path, name: str, planes: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t, plane in enumerate(planes, 1):
        tifffile.imwrite(folder / name.format(t), plane)


def test_patterns_and_folders_list_files_in_natural_order(tmp_path, movie):
    write_series(tmp_path / "a", "cell_t{}_ch0.tif", movie[:, 1])
    write_series(tmp_path / "b", "x{}.tif", movie[:, 0])
    (tmp_path / "b" / ".hidden.tif").write_bytes(b"")
    (tmp_path / "b" / "notes.txt").write_text("not an image")
    row = {"sample": "s", "poi": str(tmp_path / "b"), "nucleus": str(tmp_path / "a" / "cell_t*_ch0.tif")}
    sheet = load(write_sheet(tmp_path / "s.tsv", [row]))
    sources = channel_sources(sheet.loc["s"].to_dict())
    assert [p.name for p in sources["marker"].files] == [f"cell_t{t}_ch0.tif" for t in range(1, 6)]
    assert [p.name for p in sources["poi"].files] == [f"x{t}.tif" for t in range(1, 6)]
    assert naturally_sorted(["t10.tif", "t2.tif", "T1.tif"]) == [Path("T1.tif"), Path("t2.tif"), Path("t10.tif")]


@pytest.mark.parametrize(
    "value, message",
    [
        ("nowhere/cell_t*.tif", "nucleus pattern {root}/nowhere/cell_t*.tif matches no file."),
        ("empty", "nucleus folder {root}/empty holds no TIFF file (.tif, .tiff)."),
        (
            "mixed",
            "nucleus folder {root}/mixed holds 2 series (a_t#.tif, b_t#.tif); name one with a pattern "
            "such as {root}/mixed/a_t*.tif.",
        ),
        (
            "mixed/*_t*.tif",
            "nucleus pattern {root}/mixed/*_t*.tif matches 2 series (a_t#.tif, b_t#.tif); name one with a "
            "pattern such as {root}/mixed/a_t*.tif.",
        ),
    ],
)
def test_a_series_that_names_no_file_or_several_series_is_an_error(tmp_path, pair, movie, value, message):
    (tmp_path / "empty").mkdir()
    write_series(tmp_path / "mixed", "a_t{}.tif", movie[:2, 0])
    write_series(tmp_path / "mixed", "b_t{}.tif", movie[:2, 0])
    sheet = write_sheet(tmp_path / "s.tsv", [{"sample": "s", "poi": pair["poi"], "nucleus": str(tmp_path / value)}])
    with pytest.raises(InputError) as error:
        load(sheet)
    assert str(error.value) == f"sample sheet {sheet}, sample 's': " + message.format(root=tmp_path)


# --- pixel layouts and formats ------------------------------------------------------------------


def ingest_image(tmp_path, path, poi_channel, nucleus_channel, series=None):
    sources = {"poi": ChannelSource(path, poi_channel, series), "marker": ChannelSource(path, nucleus_channel, series)}
    metadata = ingest.run("s", sources, tmp_path / "metadata.json")
    return read_movie(tmp_path / "metadata.json", tmp_path), metadata


@pytest.mark.parametrize("codec", ["lzw", "zstd", "jpeg2000", "lerc", "deflate"])
def test_compressed_tiffs_are_read(tmp_path, movie, codec):
    path = tmp_path / f"{codec}.tif"
    tifffile.imwrite(path, movie, compression=codec, photometric="minisblack", metadata={"axes": "TCYX"})
    stack, _ = ingest_image(tmp_path, path, 0, 1)
    np.testing.assert_array_equal(stack, movie)


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_uncompressed_planes_read_from_the_file_equal_tifffiles_decoding(tmp_path, movie, byteorder):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, movie, byteorder=byteorder, photometric="minisblack", metadata={"axes": "TCYX"})
    with tifffile.TiffFile(path) as tif:
        decoded = [page.asarray() for page in tif.pages]
    with tiff.TiffPlanes(tiff.read_info(path)) as planes:
        read = [planes.read(t, c) for t in range(movie.shape[0]) for c in range(movie.shape[1])]
    assert all(plane.dtype == np.dtype("=u2") for plane in read)
    np.testing.assert_array_equal(read, decoded)


def test_only_uncompressed_planes_in_one_file_count_as_stored_raw(tmp_path, movie):
    plain, packed = tmp_path / "plain.tif", tmp_path / "packed.tif"
    tifffile.imwrite(plain, movie, photometric="minisblack", metadata={"axes": "TCYX"})
    tifffile.imwrite(packed, movie, compression="zlib", photometric="minisblack", metadata={"axes": "TCYX"})
    (tmp_path / "series").mkdir()
    for t in range(movie.shape[0]):
        tifffile.imwrite(tmp_path / "series" / f"t{t}.tif", movie[t, 0])
    raw = {}
    for name, poi, marker in [
        ("one plain file", ChannelSource(plain, 0), ChannelSource(plain, 1)),
        ("a compressed channel", ChannelSource(plain, 0), ChannelSource(packed, 1)),
        (
            "a file per frame",
            ChannelSource(plain, 0),
            channel_sources({"poi": str(plain), "nucleus": str(tmp_path / "series")})["marker"],
        ),
    ]:
        with FrameReader(describe_sample("s", {"poi": poi, "marker": marker})) as reader:
            raw[name] = reader.stored_raw
    assert raw == {"one plain file": True, "a compressed channel": False, "a file per frame": False}


def test_a_tiff_cut_short_after_it_was_described_names_the_plane(tmp_path, movie):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, movie, photometric="minisblack", metadata={"axes": "TCYX"})
    with tifffile.TiffFile(path) as tif:
        half_of_the_last_plane = tif.series[0].dataoffset + movie.nbytes - movie[0, 0].nbytes // 2
    with tiff.TiffPlanes(tiff.read_info(path)) as planes:
        with open(path, "r+b") as handle:
            handle.truncate(half_of_the_last_plane)
        np.testing.assert_array_equal(planes.read(3, 1), movie[3, 1])
        cut = r"plane 9 cannot be read \(the file ends at byte \d+\); the TIFF is damaged"
        with pytest.raises(InputError, match=cut):
            planes.read(4, 1)


@pytest.mark.parametrize("planar", ["separate", "contig"])
def test_multi_sample_pages_are_channels(tmp_path, movie, planar):
    path = tmp_path / "samples.tif"
    data = movie[:, ::-1] if planar == "separate" else np.moveaxis(movie[:, ::-1], 1, -1)
    tifffile.imwrite(path, data, planarconfig=planar, photometric="minisblack")
    info = tiff.read_info(path)
    assert (info.n_frames, info.n_channels, info.plane_shape) == (5, 2, (12, 14))
    stack, _ = ingest_image(tmp_path, path, 1, 0)
    np.testing.assert_array_equal(stack, movie)


def test_8_bit_rgb_is_refused_with_how_to_split(tmp_path):
    path = tmp_path / "rgb.tif"
    tifffile.imwrite(path, np.zeros((3, 8, 8, 3), np.uint8), photometric="rgb")
    with pytest.raises(InputError, match="Split Channels"):
        tiff.read_info(path)


def test_ome_positions_are_listed_with_their_own_calibration(tmp_path, movie):
    path = tmp_path / "positions.ome.tif"
    with tifffile.TiffWriter(path, ome=True) as tif:
        for i in range(3):
            tif.write(movie + i, metadata={"axes": "TCYX", "Name": f"well {i}", "PhysicalSizeX": 0.1 * (i + 1)})
    listing = readers.list_series(path)
    assert [(s.index, s.axes, s.shape, s.name) for s in listing] == [
        (i, "TCYX", (5, 2, 12, 14), f"well {i}") for i in range(3)
    ]
    assert [tiff.read_info(path, i).pixel_size_um for i in range(3)] == pytest.approx([0.1, 0.2, 0.3])
    stack, metadata = ingest_image(tmp_path, path, 0, 1, series=2)
    np.testing.assert_array_equal(stack, movie + 2)
    assert metadata["sources"][0]["series"] == 2 and metadata["sources"][0]["series_name"] == "well 2"


def test_a_non_image_file_names_what_it_is_not(tmp_path):
    path = tmp_path / "movie.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    with pytest.raises(InputError, match="not a TIFF file"):
        readers.read_info(path)


def test_vendor_file_without_the_extra_names_it(tmp_path):
    """With bioio absent (its import blocked), a CZI gets the sentence that names the extra."""
    path = tmp_path / "movie.czi"
    path.write_bytes(b"ZISRAWFILE" + bytes(64))
    code = (
        "import sys; sys.modules['bioio'] = None\n"
        "from nucleocyto.io.readers import read_info\n"
        "from nucleocyto.errors import InputError\n"
        f"try:\n    read_info({str(path)!r})\nexcept InputError as e:\n    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO / "scripts", capture_output=True, text=True)
    assert result.stdout.strip() == (
        f"{path}: reading Zeiss CZI files needs the optional format readers (bioio), which are not installed; "
        "install them with pip install -r requirements-formats.txt (conda: environment-formats.yml)."
    ), result.stderr


# --- vendor formats through bioio (the optional extra) -----------------------------------------


@pytest.fixture(scope="module")
def bioio():
    return pytest.importorskip("bioio", reason="the optional formats extra (requirements-formats.txt) is not installed")


def test_ome_zarr_written_by_bioio(tmp_path, movie, bioio):
    from bioio_ome_zarr.writers import OMEZarrWriter

    path = tmp_path / "movie.ome.zarr"
    data = movie[:, :, np.newaxis]  # T, C, Z, Y, X
    writer = OMEZarrWriter(
        str(path),
        level_shapes=data.shape,
        dtype=data.dtype,
        axes_units=["second", None, "micrometer", "micrometer", "micrometer"],
        physical_pixel_size=[45.0, 1.0, 1.0, 0.25, 0.25],
    )
    writer.write_full_volume(data)
    stack, metadata = ingest_image(tmp_path, path, 1, 0)
    np.testing.assert_array_equal(stack, movie[:, ::-1])
    assert (metadata["frame_interval_s"], metadata["pixel_size_um"]) == (45.0, 0.25)


def test_ome_tiff_written_by_bioio(tmp_path, movie, bioio):
    from bioio_ome_tiff.writers import OmeTiffWriter

    path = tmp_path / "bioio.ome.tif"
    OmeTiffWriter.save(movie, str(path), dim_order="TCYX", channel_names=["GFP", "H2B"])
    stack, metadata = ingest_image(tmp_path, path, 0, 1)
    np.testing.assert_array_equal(stack, movie)
    assert metadata["channel_names"] == {"poi": "GFP", "marker": "H2B"}


def test_czi_written_by_pylibczirw(tmp_path, movie, bioio):
    pyczi = pytest.importorskip("pylibCZIrw.czi")
    path = tmp_path / "movie.czi"
    with pyczi.create_czi(str(path), exist_ok=True) as document:
        for t in range(movie.shape[0]):
            for c in range(2):
                document.write(data=movie[t, c], plane={"T": t, "C": c})
        document.write_metadata(document_name="test", channel_names={0: "POI", 1: "H2B"}, scale_x=0.3e-6)
    stack, metadata = ingest_image(tmp_path, path, 0, 1)
    np.testing.assert_array_equal(stack, movie)
    assert metadata["pixel_size_um"] == pytest.approx(0.3)
    assert metadata["channel_names"] == {"poi": "POI", "marker": "H2B"}


@pytest.fixture(scope="module")
def real_czi(bioio):
    if not REAL_CZI.is_file():
        pytest.skip(f"real CZI not found in {REAL_CZI.parent} (the shared data folder beside the repo)")
    return REAL_CZI


def test_real_czi_scenes_are_listed_as_series(real_czi):
    listing = readers.list_series(real_czi)
    assert [(s.axes, s.shape, s.name) for s in listing] == [
        ("TCZYX", (1, 1, 2, 251, 251), f"xyz__multiple_images-{i}") for i in (0, 1)
    ]
    with pytest.raises(InputError) as error:
        readers.read_info(real_czi)
    assert str(error.value).startswith(f"{real_czi}: the file holds 2 series (0: TCZYX (1, 1, 2, 251, 251) uint16")


def test_real_czi_z_planes_are_refused(real_czi):
    with pytest.raises(InputError) as error:
        readers.read_info(real_czi, 1)
    assert str(error.value) == (
        f"{real_czi}: series 1 holds 2 Z planes per time point (1 time points); give one 2-D plane per frame "
        "(project the Z stack or pick one plane first)."
    )


def test_real_czi_calibration_matches_its_xml(real_czi, bioio):
    from nucleocyto.io import vendor

    image = bioio.BioImage(real_czi)
    metres = float(image.metadata.find(".//Scaling/Items/Distance[@Id='X']/Value").text)
    assert vendor.calibration(real_czi, 0) == (None, pytest.approx(metres * 1e6))
