// Name-based ids live with the contracts, shared by every package that derives a `uuid` field.
export { nameUuid } from '@oxagry/avro'
