package io.clipguard.clip.demo;

import java.util.List;

/**
 * The demo model's world: one filled shape in one colour on a background of another colour.
 * The model can only tell these apart; it is not CLIP and knows nothing else.
 *
 * <p>Rules the images must follow: squares are axis-aligned, triangles have one side along
 * an axis, the shape lies inside the centre square that CLIP's centre crop keeps, and the
 * shape colour is saturated (the channel gaps below), while backgrounds (white, black,
 * greys, browns, pastels) are not.
 */
public final class DemoWorld {
    private DemoWorld() {
    }

    public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");

    /**
     * Colour membership as three linear tests per colour on RGB in [0,1]: each row is
     * {wR, wG, wB, bias} and a pixel belongs when every row is positive.
     */
    static final float[][][] COLOUR_TESTS = {
        {{1, -1, 0, -0.45f}, {1, 0, -1, -0.45f}, {1, 0, 0, -0.55f}},      // red
        {{-1, 1, 0, -0.32f}, {0, 1, -1, -0.26f}, {0, 1, 0, -0.40f}},      // green: wide enough for darker, bluer greens
        {{-1, 0, 1, -0.40f}, {0, -1, 1, -0.30f}, {0, 0, 1, -0.45f}},      // blue
        {{1, 0, -1, -0.45f}, {0, 1, -1, -0.45f}, {1, 0, 0, -0.60f}},      // yellow
    };

    /**
     * Area over bounding-box area of each shape as the image tower measures it: circle pi/4,
     * square 1, triangle 1/2 in theory; the extent threshold trims a triangle's thin corners,
     * so its measured fill is higher. Calibrated on 400 drawn scenes per shape: circle
     * 0.785-0.815 (mean 0.796), square 0.977-1.003, triangle 0.629-0.677 (mean 0.644).
     */
    static final float[] SHAPE_FILL = {0.795f, 1.0f, 0.645f};
    static final float FILL_SPREAD = 0.06f;

    /** The twelve captions "a photo of a {colour} {shape}" in colour-major order. */
    public static List<String> captions() {
        return COLOURS.stream().flatMap(c -> SHAPES.stream().map(s -> "a photo of a " + c + " " + s)).toList();
    }
}
