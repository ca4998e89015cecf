"""`EhoiRTDetrV2ForObjectDetection` and its siblings: a DETR-family detector plus per-query EHOI heads.

The EHOI code is one mixin over the base class (§2.1): the base computes detections and its own
losses; the mixin reads the decoder states, runs the heads, re-matches queries to targets and adds
the EHOI loss terms to `loss`, reporting each term in `loss_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import DFineForObjectDetection, RTDetrForObjectDetection, RTDetrV2ForObjectDetection
from transformers.loss.loss_rt_detr import RTDetrHungarianMatcher, RTDetrLoss
from transformers.loss.loss_utils import LOSS_MAPPING
from transformers.utils import ModelOutput

from glovego_model.modeling.amp import nan_when_not_finite
from glovego_model.modeling.config import crop_channels, ehoi_setting, validate_ehoi_config
from glovego_model.modeling.freeze import keep_frozen_batchnorm_eval
from glovego_model.modeling.heads import (
    ContactCropCNN,
    DepthHead,
    EhoiBatchNorm2d,
    KeypointHead,
    MaskHead,
    QueryMLP,
)
from glovego_model.modeling.losses import (
    MatchedPairs,
    collect_pairs,
    concat_targets,
    depth_loss,
    downsample_masks,
    mask_loss,
    masked_bce,
    masked_l1,
    merge_pairs,
)
from glovego_model.modeling.roi import keypoint_heatmap, padded_boxes_xyxy, roi_align


@dataclass
class EhoiOutput(ModelOutput):
    """Detections and EHOI head outputs for the matching queries (denoising queries removed).

    Shapes: B images, Q queries, K keypoints, C classes; boxes normalised cxcywh, offsets and
    keypoints in normalised image coordinates.
    """

    loss: torch.Tensor | None = None
    loss_dict: dict | None = None
    logits: torch.Tensor | None = None  # [B, Q, C]
    pred_boxes: torch.Tensor | None = None  # [B, Q, 4]
    side_logits: torch.Tensor | None = None  # [B, Q]
    contact_logits: torch.Tensor | None = None  # [B, Q] query MLP
    contact_crop_logits: torch.Tensor | None = None  # [B, Q] crop CNN, NaN where not computed
    glove_logits: torch.Tensor | None = None  # [B, Q]
    offsets: torch.Tensor | None = None  # [B, Q, 2] δ = (c_obj − c_hand) / (W, H)
    keypoints: torch.Tensor | None = None  # [B, Q, K, 2]
    keypoint_logits: torch.Tensor | None = None  # [B, Q, K] visibility
    depth: torch.Tensor | None = None  # [B, 1, h, w] depth ÷ range
    mask_logits: torch.Tensor | None = None  # [B, Q, h, w]
    last_hidden_state: torch.Tensor | None = None
    denoising_meta_values: dict | None = None


def _detection_labels(labels: list[dict[str, torch.Tensor]]) -> list[dict[str, torch.Tensor]]:
    """Only what the base loss and the denoising builder read."""
    return [{"class_labels": t["class_labels"], "boxes": t["boxes"]} for t in labels]


class EhoiHeadsMixin:
    """Builds, runs and trains the EHOI heads on top of a DETR-family `...ForObjectDetection`."""

    config: Any

    def _build_ehoi_heads(self) -> None:
        config = self.config
        validate_ehoi_config(config)
        d_model = config.d_model
        channels = config.encoder_hidden_dim
        self.ehoi_side = QueryMLP(d_model, 1)
        self.ehoi_contact = QueryMLP(d_model, 1)
        self.ehoi_glove = QueryMLP(d_model, 1)
        self.ehoi_offset = QueryMLP(d_model, 2)
        self.ehoi_keypoints = KeypointHead(
            d_model, ehoi_setting(config, "ehoi_num_keypoints"), ehoi_setting(config, "ehoi_keypoint_pad")
        )
        self.ehoi_depth = DepthHead(channels) if ehoi_setting(config, "ehoi_use_depth") else None
        self.ehoi_mask = (
            MaskHead(channels, d_model, ehoi_setting(config, "ehoi_mask_dim"))
            if ehoi_setting(config, "ehoi_use_mask") else None
        )
        channels_in = crop_channels(config)
        self._crop_channels = channels_in
        width = sum(3 if c == "rgb" else 1 for c in channels_in)
        self.ehoi_contact_crop = ContactCropCNN(width) if channels_in else None
        self._matcher = RTDetrHungarianMatcher(config)
        # §3 pitfall 1: transformers picks the loss from the class name; ours must use the base's.
        self.loss_type = self._base_detector_class().__name__
        self.loss_function = nan_when_not_finite(LOSS_MAPPING[self.loss_type])

    @classmethod
    def _base_detector_class(cls) -> type:
        for base in cls.__mro__[1:]:
            if base.__name__.endswith("ForObjectDetection") and not issubclass(base, EhoiHeadsMixin):
                return base
        raise TypeError(f"{cls.__name__} has no DETR-family base class")

    def train(self, mode: bool = True):  # type: ignore[override]
        """Switch mode, keeping BatchNorms of frozen modules in eval so their statistics stay put."""
        super().train(mode)  # type: ignore[misc]
        keep_frozen_batchnorm_eval(self)  # type: ignore[arg-type]
        return self

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, EhoiBatchNorm2d):
            module.reset_parameters()
            module.reset_running_stats()
            return
        super()._init_weights(module)  # type: ignore[misc]

    # ----- forward ----------------------------------------------------------------------------
    def forward(  # type: ignore[override]
        self,
        pixel_values: torch.Tensor,
        labels: list[dict[str, torch.Tensor]] | None = None,
        crop_queries: int | None = None,
        **kwargs: Any,
    ) -> EhoiOutput:
        det = super().forward(  # type: ignore[misc]
            pixel_values, labels=_detection_labels(labels) if labels is not None else None, **kwargs
        )
        dn_meta = det.denoising_meta_values if self.training else None  # type: ignore[attr-defined]
        num_dn = int(dn_meta["dn_num_split"][0]) if dn_meta is not None else 0
        hidden = det.last_hidden_state
        boxes_all = det.pred_boxes
        feature = det.encoder_last_hidden_state[0]

        side = self.ehoi_side(hidden).squeeze(-1)
        contact = self.ehoi_contact(hidden).squeeze(-1)
        glove = self.ehoi_glove(hidden).squeeze(-1)
        offsets = self.ehoi_offset(hidden)
        keypoints, kp_logits = self.ehoi_keypoints(hidden, boxes_all)
        depth = self.ehoi_depth(feature) if self.ehoi_depth is not None else None
        masks = self.ehoi_mask(hidden, feature) if self.ehoi_mask is not None else None

        loss, loss_dict = det.loss, dict(det.loss_dict or {})
        crop_full = None
        matchable = loss is None or bool(torch.isfinite(loss))  # NaN predictions: the trainer drops the step
        if labels is not None and matchable:
            pairs = self._match(det.logits, boxes_all, labels, dn_meta, num_dn)
            heads = dict(side=side, contact=contact, glove=glove, offsets=offsets, keypoints=keypoints,
                         kp_logits=kp_logits, masks=masks, depth=depth, boxes=boxes_all)
            terms = self._ehoi_loss_terms(pixel_values, heads, labels, pairs)
            weights = ehoi_setting(self.config, "ehoi_loss_weights")
            ehoi_total = sum(weights[name.removeprefix("loss_ehoi_").split("_crop")[0]] * value
                             for name, value in terms.items())
            loss_dict.update({k: v.detach() for k, v in terms.items()})
            loss = ehoi_total if loss is None else loss + ehoi_total
        elif labels is None and self.ehoi_contact_crop is not None:
            crop_full = self._crop_logits_top_queries(
                pixel_values, det.logits, boxes_all, keypoints, depth, masks,
                crop_queries or ehoi_setting(self.config, "ehoi_crop_queries"),
            )

        def real(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t[:, num_dn:]

        return EhoiOutput(
            loss=loss, loss_dict=loss_dict or None, logits=real(det.logits), pred_boxes=real(boxes_all),
            side_logits=real(side), contact_logits=real(contact), contact_crop_logits=real(crop_full),
            glove_logits=real(glove), offsets=real(offsets), keypoints=real(keypoints),
            keypoint_logits=real(kp_logits), depth=depth, mask_logits=real(masks),
            last_hidden_state=real(hidden), denoising_meta_values=dn_meta,
        )

    # ----- matching and losses -----------------------------------------------------------------
    def _match(
        self, logits: torch.Tensor, boxes: torch.Tensor, labels: list[dict[str, torch.Tensor]],
        dn_meta: dict | None, num_dn: int,
    ) -> MatchedPairs:
        """Hungarian match of the matching queries (recomputed; cheap) plus the denoising pairs."""
        with torch.no_grad():
            outputs = {"logits": logits[:, num_dn:].detach().float(), "pred_boxes": boxes[:, num_dn:].detach().float()}
            indices = self._matcher(outputs, _detection_labels(labels))
        pairs = collect_pairs(indices, labels, query_offset=num_dn)
        if dn_meta is not None:
            dn_indices = RTDetrLoss.get_cdn_matched_indices(dn_meta, _detection_labels(labels))
            pairs = merge_pairs(pairs, collect_pairs(dn_indices, labels, query_offset=0))
        return pairs

    def _ehoi_loss_terms(
        self, pixel_values: torch.Tensor, heads: dict[str, Any], labels: list[dict[str, torch.Tensor]],
        pairs: MatchedPairs,
    ) -> dict[str, torch.Tensor]:
        b, q, t = pairs.batch, pairs.query, pairs.target
        is_hand = concat_targets(labels, "is_hand")[t]
        side_gt = concat_targets(labels, "side")[t]
        contact_gt = concat_targets(labels, "contact")[t]
        glove_gt = concat_targets(labels, "glove")[t]
        terms = {
            "loss_ehoi_side": masked_bce(heads["side"][b, q], side_gt, is_hand & (side_gt >= 0)),
            "loss_ehoi_contact": masked_bce(heads["contact"][b, q], contact_gt, is_hand & (contact_gt >= 0)),
            "loss_ehoi_glove": masked_bce(heads["glove"][b, q], glove_gt, is_hand & (glove_gt >= 0)),
        }
        offset_keep = is_hand & concat_targets(labels, "offset_valid")[t]
        terms["loss_ehoi_offset"] = masked_l1(
            heads["offsets"][b, q], concat_targets(labels, "offset")[t], offset_keep
        )
        kp_vis = concat_targets(labels, "kp_vis")[t]
        has_kp = is_hand & (kp_vis > 0).any(-1)
        point_keep = has_kp[:, None] & (kp_vis > 0)
        terms["loss_ehoi_keypoints"] = masked_l1(
            heads["keypoints"][b, q], concat_targets(labels, "keypoints")[t], point_keep
        )
        terms["loss_ehoi_keypoint_visibility"] = masked_bce(
            heads["kp_logits"][b, q], (kp_vis == 2).long(), has_kp[:, None].expand_as(kp_vis)
        )
        if heads["depth"] is not None:
            terms["loss_ehoi_depth"] = depth_loss(heads["depth"], labels)
        if heads["masks"] is not None:
            terms["loss_ehoi_mask"] = self._mask_term(heads["masks"], labels, pairs)
        if self.ehoi_contact_crop is not None:
            keep = is_hand & (contact_gt >= 0)
            if bool(keep.any()):
                crop_logits = self._crop_logits(
                    pixel_values, heads["boxes"], heads["keypoints"], heads["depth"], heads["masks"], b[keep], q[keep]
                )
                terms["loss_ehoi_contact_crop"] = masked_bce(crop_logits, contact_gt[keep], torch.ones_like(crop_logits, dtype=torch.bool))
            else:
                terms["loss_ehoi_contact_crop"] = sum(p.sum() * 0.0 for p in self.ehoi_contact_crop.parameters())
        return terms

    def _mask_term(
        self, masks: torch.Tensor, labels: list[dict[str, torch.Tensor]], pairs: MatchedPairs
    ) -> torch.Tensor:
        size = tuple(masks.shape[-2:])
        starts, logits, targets = 0, [], []
        for image, t in enumerate(labels):
            n = len(t["class_labels"])
            sel = (pairs.batch == image)
            rows = pairs.target[sel] - starts
            valid = t["mask_valid"][rows]
            if bool(valid.any()):
                logits.append(masks[image, pairs.query[sel][valid]])
                targets.append(downsample_masks(t["masks"][rows[valid]], size))
            starts += n
        if not logits:
            return masks.sum() * 0.0
        return mask_loss(torch.cat(logits), torch.cat(targets))

    # ----- contact crop branch -----------------------------------------------------------------
    def _crop_logits(
        self, pixel_values: torch.Tensor, boxes: torch.Tensor, keypoints: torch.Tensor,
        depth: torch.Tensor | None, masks: torch.Tensor | None, batch: torch.Tensor, query: torch.Tensor,
    ) -> torch.Tensor:
        """Crop CNN logits for the given (image, query) pairs; auxiliary channels detached (§2.5)."""
        size = int(ehoi_setting(self.config, "ehoi_crop_size"))
        frame = padded_boxes_xyxy(boxes[batch, query].detach().float(), float(ehoi_setting(self.config, "ehoi_box_pad")))
        channels = []
        for name in self._crop_channels:
            if name == "rgb":
                channels.append(roi_align(pixel_values[batch].float(), frame, size))
            elif name == "depth":
                channels.append(roi_align(depth.detach()[batch].float(), frame, size))
            elif name == "mask":
                channels.append(roi_align(torch.sigmoid(masks.detach()[batch, query].float())[:, None], frame, size))
            else:
                channels.append(keypoint_heatmap(keypoints.detach()[batch, query].float(), frame, size))
        crops = torch.cat(channels, dim=1).to(pixel_values.dtype)
        return self.ehoi_contact_crop(crops)

    def _crop_logits_top_queries(
        self, pixel_values: torch.Tensor, logits: torch.Tensor, boxes: torch.Tensor, keypoints: torch.Tensor,
        depth: torch.Tensor | None, masks: torch.Tensor | None, k: int,
    ) -> torch.Tensor:
        """At inference the crop branch runs on the k queries with the best hand score only (contact is a
        hand attribute); the others get NaN and fall back to the query MLP."""
        num_queries = logits.shape[1]
        k = min(k, num_queries)
        top = logits.detach()[..., -1].topk(k, dim=1).indices  # [B, k]; hand is the last class
        batch = torch.arange(logits.shape[0], device=logits.device)[:, None].expand_as(top).reshape(-1)
        query = top.reshape(-1)
        values = self._crop_logits(pixel_values, boxes, keypoints, depth, masks, batch, query)
        out = torch.full(logits.shape[:2], float("nan"), device=logits.device, dtype=values.dtype)
        out[batch, query] = values
        return out


class EhoiRTDetrV2ForObjectDetection(EhoiHeadsMixin, RTDetrV2ForObjectDetection):
    """RT-DETRv2 with EHOI heads (the default GlovEgo-Net)."""

    def __init__(self, config: Any) -> None:
        RTDetrV2ForObjectDetection.__init__(self, config)
        self._build_ehoi_heads()
        self.post_init()


class EhoiRTDetrForObjectDetection(EhoiHeadsMixin, RTDetrForObjectDetection):
    """RT-DETR (v1) with EHOI heads."""

    def __init__(self, config: Any) -> None:
        RTDetrForObjectDetection.__init__(self, config)
        self._build_ehoi_heads()
        self.post_init()


class EhoiDFineForObjectDetection(EhoiHeadsMixin, DFineForObjectDetection):
    """D-FINE with EHOI heads."""

    def __init__(self, config: Any) -> None:
        DFineForObjectDetection.__init__(self, config)
        self._build_ehoi_heads()
        self.post_init()


_BY_MODEL_TYPE = {
    "rt_detr_v2": EhoiRTDetrV2ForObjectDetection,
    "rt_detr": EhoiRTDetrForObjectDetection,
    "d_fine": EhoiDFineForObjectDetection,
}


def model_class_for(config: Any) -> type:
    """The EHOI class matching a config's `model_type`."""
    try:
        return _BY_MODEL_TYPE[config.model_type]
    except KeyError:
        raise TypeError(f"no EHOI detector for model_type '{config.model_type}'") from None
