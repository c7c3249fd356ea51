#!/usr/bin/env python3
"""make_codec_corpus.py -- writes the seed corpora of fuzz_rtp, fuzz_rtcp and
fuzz_demux (tests/fuzz/corpus/{rtp,rtcp,demux}/) from the hex vectors below:
valid packets of each kind and a few malformed ones. Re-run after editing."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

RTP = {
    "minimal": "8060 0001 00000002 00000003 aabb",
    "marker_csrc": "82ef fffe 12345678 9abcdef0 00000011 00000022 01",
    "one_byte_ext": "906f 1234 00000001 00000002 bede0002 10aa 21bbcc 000000 ff",
    "two_byte_ext": "9060 0001 00000001 00000002 10000002 0100 0203aabbcc 00 ee",
    "padding": "a060 0001 00000001 00000002 aabb 0000 03",
    "opus_audio_level_twcc": "906f 3039 0001e240 11111111 bede0002 10ff 310102 000000 fcfffe",
    "vp8_video_exts": "90e0 0102 00a8c000 22222222 bede0003 2205 6a 3200 01 45 0000 0000 00"
                      " 9010 0000 9d012a",
    "bad_version": "4060 0001 00000002 00000003 aa",
    "bad_padding": "a060 0001 00000001 00000002 aabb 0020",
    "bad_ext_len": "9060 0001 00000001 00000002 bede0005 10aa0000",
    "bad_csrc": "8f60 0001 00000001 00000002 00000011",
    "bad_ext_element": "9060 0001 00000001 00000002 bede0001 1f aabbcc",
}

SR = ("81c8000c 22222222 e1b2c3d4 80000000 00012345 00000064 00001f40"
      " a0a0a0a0 10000005 00010203 00000020 c3d48000 00010000")
SDES = "81ca0006 22222222 0110 75736572406578616d706c652e636f6d 0000"
RTCP = {
    "sr": SR,
    "rr": "81c90007 11111111 b0b0b0b0 80ffffff 00000010 00000000 00000000 00000000",
    "sdes": SDES,
    "bye": "81cb0003 11223344 04627965 21000000",
    "nack": "81cd0003 11111111 b0b0b0b0 00640005",
    "pli": "81ce0002 11111111 b0b0b0b0",
    "fir": "84ce0004 11111111 00000000 b0b0b0b0 07000000",
    "remb": "8fce0006 11111111 00000000 52454d42 020bd090 b0b0b0b0 a0a0a0a0",
    "twcc_2bit": "afcd0006 00000001 00000002 0100 0005 000010 03 d490 0408fffc00 01",
    "twcc_rle": "afcd000a 00000001 00000002 0000 0014 ffffff 00 2014"
                " 0101010101010101010101010101010101010101 0002",
    "twcc_1bit": "afcd0007 00000001 00000002 fff0 000e 000001 05 aaaa 00020406080a0c 000003",
    "compound_sr_sdes": SR + SDES,
    "compound_browser": "81c90007 11111111 b0b0b0b0 01000002 00001234 00000010 00000000 00000000"
                        " 81cd0003 11111111 b0b0b0b0 00640005 81ce0002 11111111 b0b0b0b0"
                        " 84ce0004 11111111 00000000 b0b0b0b0 07000000",
    "bad_length": "80c90005 00000001",
    "bad_padding": "a0c90001 00000009",
    "bad_nack_empty": "81cd0002 00000001 00000002",
    "bad_sdes": "81ca0002 00000001 01106162",
    "bad_twcc_symbol": "8fcd0005 00000001 00000002 0000 0001 00000000 6001 0000",
}

DEMUX = {
    "stun": "0001 0000 2112a442 000102030405060708090a0b",
    "dtls": "16 fefd 0000 0000 0000 0000 0010 01",
    "rtp": RTP["one_byte_ext"],
    "rtcp": RTCP["compound_sr_sdes"],
    "turn_channel": "4000 0004 01020304",
    "short_rtp": "8060 0001",
    "garbage": "ff",
}

def write(sub, table):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    for name, h in table.items():
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(bytes.fromhex("".join(h.split())))

write("rtp", RTP)
write("rtcp", RTCP)
write("demux", DEMUX)
