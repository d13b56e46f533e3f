"""Reading the chat off the screen (issue 13), without Qt: change detection on downscaled frames,
OCR behind a small engine interface (rapidocr-onnxruntime, an optional extra), grouping OCR lines
into bubbles, telling the customer's bubbles from the agent's, stripping nick/time headers, and
picking the newest customer message with the turns above it. The Qt screen grab that feeds it
lives in ui/screen_watch.py and implements the ScreenText port."""
