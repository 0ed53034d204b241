import { type Static, Type } from '@sinclair/typebox';
import './formats.ts';

export const Tag = Type.Object(
  {
    name: Type.String({ maxLength: 32 }),
    name_safe_html: Type.String(),
    url_key: Type.String(),
    url: Type.String({ format: 'uri' }),
  },
  { $id: 'Tag' },
);
export type Tag = Static<typeof Tag>;
