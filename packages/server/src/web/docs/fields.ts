// Notes on the reply's fields for the API reference page, in both languages (docs/api.md
// has the full rules). A field without a note here shows the schema's own description.
import type { Locale } from '../../i18n/index.ts';

type Notes = Record<string, { en: string; zh: string }>;

export const FIELD_NOTES: Record<string, Notes> = {
  Image: {
    name: { en: 'Cleaned file name without extension', zh: '清理后的文件名（不含扩展名）' },
    extension: { en: 'Extension of the stored file', zh: '存储文件的扩展名' },
    filename: { en: 'name.extension', zh: 'name.extension' },
    mime: { en: 'Type of the stored file', zh: '存储文件的类型' },
    url: { en: 'Direct link to the file', zh: '文件的直接链接' },
    size: { en: 'Bytes of the stored file', zh: '存储文件的字节数' },
    size_formatted: {
      en: 'Size in KB, MB or GB (decimal)',
      zh: '以 KB、MB 或 GB 表示的大小（十进制）',
    },
    width: { en: 'Width in pixels', zh: '宽度（像素）' },
    height: { en: 'Height in pixels', zh: '高度（像素）' },
    ratio: { en: 'Width divided by height', zh: '宽度除以高度' },
    date: { en: 'Upload time, server time zone', zh: '上传时间（服务器时区）' },
    date_gmt: { en: 'Upload time in UTC', zh: '上传时间（UTC）' },
    date_fixed_peer: { en: 'Same as date_gmt', zh: '与 date_gmt 相同' },
    title: { en: 'Title, at most 100 characters', zh: '标题，最多 100 个字符' },
    description: { en: 'Description, or null', zh: '描述，或 null' },
    tags: { en: 'Tags as objects', zh: '标签对象列表' },
    tags_string: { en: 'Tag names joined with ", "', zh: '以“, ”连接的标签名' },
    nsfw: { en: '1 when not safe for work', zh: '不适合工作场所时为 1' },
    md5: { en: 'md5 of the stored file', zh: '存储文件的 md5' },
    source_md5: {
      en: 'md5 of the uploaded bytes when the stored file differs',
      zh: '存储文件与上传内容不同时，上传内容的 md5',
    },
    original_filename: { en: 'The file name the client sent', zh: '客户端发送的文件名' },
    original_exifdata: { en: 'EXIF as a JSON string, or null', zh: 'EXIF（JSON 字符串），或 null' },
    expiration_date_gmt: {
      en: 'When the file is deleted (UTC), or null',
      zh: '文件的删除时间（UTC），或 null',
    },
    expiration_capped: {
      en: '1 when a guest asked for a longer time and got the guest policy',
      zh: '游客要求更长时间而被限制为游客策略时为 1',
    },
    id_encoded: { en: 'The image id in URLs', zh: '链接中使用的图片 ID' },
    url_viewer: { en: 'The viewer page', zh: '查看页' },
    path_viewer: { en: 'The viewer page path', zh: '查看页路径' },
    url_short: { en: 'Short viewer link (redirects)', zh: '查看页短链接（会跳转）' },
    delete_url: { en: 'Deletes the file; shown only once', zh: '删除文件的链接；只显示一次' },
    image: { en: 'The main file', zh: '原文件' },
    thumb: { en: 'Thumbnail, at most 320×320', zh: '缩略图，最大 320×320' },
    medium: {
      en: '500 px wide copy, when the image is wider',
      zh: '宽 500 像素的副本（图片更宽时）',
    },
    frame: { en: 'A video’s poster frame', zh: '视频的封面帧' },
    display_url: { en: 'The best file to show in a page', zh: '在页面中显示的最佳文件' },
    type: { en: '"image" or "video"', zh: '“image”或“video”' },
    duration: { en: 'Video length in seconds', zh: '视频时长（秒）' },
    duration_time: { en: 'Video length as MM:SS', zh: '视频时长（MM:SS）' },
    chain: { en: 'Bitmask of the stored variants', zh: '已存储尺寸的位掩码' },
    is_animated: { en: '1 for an animation', zh: '动画时为 1' },
  },
  UploadSuccess: {
    status_code: { en: '200', zh: '200' },
    success: {
      en: '{"message": "file uploaded", "code": 200}',
      zh: '{"message": "file uploaded", "code": 200}',
    },
    image: { en: 'The image object', zh: '图片对象' },
    status_txt: { en: '"OK"', zh: '“OK”' },
  },
  ErrorEnvelope: {
    status_code: { en: 'The HTTP status', zh: 'HTTP 状态码' },
    error: { en: 'message and code', zh: '消息和代码' },
    status_txt: { en: 'The HTTP reason phrase', zh: 'HTTP 状态短语' },
  },
};

export const fieldNote = (schema: string, field: string, locale: Locale): string | null => {
  const note = FIELD_NOTES[schema]?.[field];
  return note ? (locale === 'en' ? note.en : note.zh) : null;
};
