// Everything the upload service needs from the media pipelines, in one module that
// service.ts imports on first use (its dependencies are most of the start time).
export { stripGps } from '../../media/gps.ts';
export { processImage, readImageHeader } from '../../media/image.ts';
export { sniffType } from '../../media/sniff.ts';
export { processVideo } from '../../media/video.ts';
