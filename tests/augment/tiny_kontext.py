"""A tiny random-weight FLUX.1-Kontext pipeline built from the spec §7 configs, saved to a folder.

Everything (tokenizer files included) is written here, so nothing is downloaded and the saved
folder loads with the same `FluxKontextPipeline.from_pretrained(dir)` call as the real weights.
"""

from __future__ import annotations

import json
from pathlib import Path


def _byte_symbols() -> list[str]:
    # GPT-2/CLIP byte → printable-unicode table, rebuilt here from its definition.
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = keep[:]
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return [chr(c) for c in chars]


def write_clip_tokenizer(folder: Path) -> None:
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    symbols = _byte_symbols()
    merges = [("w", "o"), ("r", "k</w>"), ("g", "l"), ("gl", "o"), ("v", "e"), ("e", "s</w>"), ("t", "h")]
    vocab_list = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {tok: i for i, tok in enumerate(dict.fromkeys(vocab_list))}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8")
    tok = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77)
    tok.save_pretrained(str(folder))


def write_t5_tokenizer(folder: Path) -> int:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers, decoders
    from transformers import T5TokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    corpus = [
        "Make the person wear yellow knitted work gloves on their hands.",
        "Keep everything else in the image exactly the same.",
        "a hand holds a screwdriver near the welder station and the oscilloscope",
    ] * 4
    trainer = trainers.UnigramTrainer(vocab_size=120, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(corpus, trainer)
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)])
    tok.save(str(folder / "tokenizer.json"))
    fast = T5TokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), extra_ids=0, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    fast.save_pretrained(str(folder))
    return len(fast)


def build_tiny_kontext(folder: Path) -> Path:
    """Build, `.eval()` and `save_pretrained` the tiny pipeline into `folder`; return it."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxKontextPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel, T5TokenizerFast

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32, guidance_embeds=True,
        axes_dims_rope=(4, 4, 8),
    ).eval()
    vae = AutoencoderKL(
        in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 8, 8), layers_per_block=1, latent_channels=16, norm_num_groups=4,
        use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.1159, scaling_factor=0.3611,
    ).eval()
    scheduler = FlowMatchEulerDiscreteScheduler(
        shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15,
        base_image_seq_len=256, max_image_seq_len=4096,
    )
    write_clip_tokenizer(folder / "_clip_tok")
    t5_len = write_t5_tokenizer(folder / "_t5_tok")
    clip = CLIPTextModel(CLIPTextConfig(
        vocab_size=600, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=77, projection_dim=32, bos_token_id=0, eos_token_id=2, pad_token_id=1,
    )).eval()
    t5 = T5EncoderModel(T5Config(
        vocab_size=max(128, t5_len), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        feed_forward_proj="gated-gelu", dropout_rate=0.1,
    )).eval()
    pipe = FluxKontextPipeline(
        scheduler=scheduler, vae=vae, text_encoder=clip, tokenizer=CLIPTokenizer.from_pretrained(str(folder / "_clip_tok")),
        text_encoder_2=t5, tokenizer_2=T5TokenizerFast.from_pretrained(str(folder / "_t5_tok")), transformer=transformer,
    )
    pipe.save_pretrained(str(folder / "model"))
    return folder / "model"
