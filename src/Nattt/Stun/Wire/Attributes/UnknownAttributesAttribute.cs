using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// UNKNOWN-ATTRIBUTES (RFC 8489 section 14.13): the 16-bit types of the comprehension-required attributes the
/// server did not understand, sent with a 420 error. See <see cref="StunMessageReader.GetUnknownComprehensionRequired"/>.
/// </summary>
public static class UnknownAttributesAttribute
{
    public const StunAttributeType Type = StunAttributeType.UnknownAttributes;

    /// <summary>Copies the listed types into <paramref name="destination"/>; returns how many the value holds.</summary>
    public static StunError Read(in StunMessageReader message, Span<StunAttributeType> destination, out int count)
    {
        count = 0;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        if ((value.Length & 1) != 0) return StunError.UnknownAttributesLengthInvalid;
        count = value.Length / 2;
        for (int i = 0; i < count && i < destination.Length; i++)
            destination[i] = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(value[(2 * i)..]);
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, ReadOnlySpan<StunAttributeType> types)
    {
        if (!writer.TryReserveAttribute(Type, 2 * types.Length, out var value)) return false;
        for (int i = 0; i < types.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], (ushort)types[i]);
        return true;
    }
}
