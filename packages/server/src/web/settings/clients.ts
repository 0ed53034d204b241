// Ready-made configurations of upload programs for this server and a new key of theirs.

/** A ShareX custom uploader for this server and key. */
export function sharexConfig(baseUrl: string, key: string): string {
  const host = new URL(baseUrl).host;
  return `${JSON.stringify(
    {
      Version: '17.0.0',
      Name: `Upshot (${host})`,
      DestinationType: 'ImageUploader, FileUploader',
      RequestMethod: 'POST',
      RequestURL: `${baseUrl}/api/1/upload`,
      Headers: { 'X-API-Key': key },
      Body: 'MultipartFormData',
      FileFormName: 'source',
      URL: '{json:image.url}',
      ThumbnailURL: '{json:image.thumb.url}',
      DeletionURL: '{json:image.delete_url}',
      ErrorMessage: '{json:error.message}',
    },
    null,
    2,
  )}\n`;
}

/** PicGo (web-uploader plugin) and Flameshot set-ups for this server and key. */
export function clientSnippets(baseUrl: string, key: string): string {
  const endpoint = `${baseUrl}/api/1/upload`;
  const picgo = {
    picBed: {
      uploader: 'web-uploader',
      current: 'web-uploader',
      'web-uploader': {
        url: endpoint,
        paramName: 'source',
        jsonPath: 'image.url',
        customHeader: JSON.stringify({ 'X-API-Key': key }),
        customBody: '',
      },
    },
    picgoPlugins: { 'picgo-plugin-web-uploader': true },
  };
  return `# Upshot client set-up for ${baseUrl}
# Keep this file private: it holds an API key.

# PicGo / PicList: install the "web-uploader" plugin, then merge this into the config
# (or fill the same values in the plugin's settings).
${JSON.stringify(picgo, null, 2)}

# Flameshot (Linux): take a screenshot, upload it, and put its link on the clipboard.
flameshot gui --raw | curl --fail-with-body -s -H "X-API-Key: ${key}" -F "source=@-;filename=screenshot.png" -F format=txt ${endpoint} | xclip -selection clipboard

# Any script: upload a file and print its link.
curl --fail-with-body -s -H "X-API-Key: ${key}" -F source=@photo.jpg -F format=txt ${endpoint}
`;
}
