"""Label Studio as GlovEgo's labelling tool: the labelling config, tasks with pre-annotations, and
its JSON export read back into EHOI-COCO records. Pure data work: no network (the server is
reached through the SDK in `glovego_pipelines.label_server`)."""
